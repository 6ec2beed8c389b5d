! Tests of the Fortran module gdopt (bindings/fortran/gdopt.f90): every wrapped call,
! against plain references written here and against the C paths (the same bits), with
! bad input (a status and a message naming the argument, and nothing changed).
! Built with -std=f2018 -Wall -Werror -fcheck=all.
module test_support
    use, intrinsic :: iso_c_binding, only: c_associated, c_double, c_f_pointer, c_int, c_ptr, c_size_t
    use, intrinsic :: iso_fortran_env, only: real64
    use, intrinsic :: ieee_arithmetic, only: ieee_quiet_nan, ieee_value
    use gdopt, only: gdopt_progress
    implicit none
    integer :: passed = 0, failed = 0
contains
    subroutine check(condition, label)
        logical, intent(in) :: condition
        character(*), intent(in) :: label
        if (condition) then
            passed = passed + 1
        else
            failed = failed + 1
            print '("FAIL ", a)', label
        end if
    end subroutine

    !> A status and a message that contains text.
    subroutine check_error(status, expected, message, text, label)
        integer, intent(in) :: status, expected
        character(*), intent(in) :: message, text, label
        call check(status == expected .and. index(message, text) > 0, label)
        if (status /= expected .or. index(message, text) == 0) print '("  got ", i0, ": ", a)', status, message
    end subroutine

    function rosenbrock(n, x, grad, data) bind(c) result(f)
        integer(c_size_t), value :: n
        real(c_double), intent(in) :: x(n)
        real(c_double), intent(out), optional :: grad(n)
        type(c_ptr), value :: data
        real(c_double) :: f
        integer(c_size_t) :: i
        integer(c_int), pointer :: calls
        call c_f_pointer(data, calls)
        calls = calls + 1
        f = 0
        if (present(grad)) grad = 0
        do i = 1, n - 1
            f = f + 100*(x(i + 1) - x(i)**2)**2 + (1 - x(i))**2
            if (present(grad)) then
                grad(i) = grad(i) - 400*x(i)*(x(i + 1) - x(i)**2) - 2*(1 - x(i))
                grad(i + 1) = grad(i + 1) + 200*(x(i + 1) - x(i)**2)
            end if
        end do
    end function

    !> A gradient with NaN in it: the gradient check must fail it.
    function nan_gradient(n, x, grad, data) bind(c) result(f)
        integer(c_size_t), value :: n
        real(c_double), intent(in) :: x(n)
        real(c_double), intent(out), optional :: grad(n)
        type(c_ptr), value :: data
        real(c_double) :: f
        f = sum(x**2)
        if (present(grad)) then
            grad = 2*x
            grad(2) = ieee_value(grad(2), ieee_quiet_nan)
        end if
        if (c_associated(data)) f = -f ! (data is unused: it is NULL here)
    end function

    function count_iterations(progress, data) bind(c) result(stop)
        type(gdopt_progress), intent(in) :: progress
        type(c_ptr), value :: data
        integer(c_int) :: stop
        integer(c_int), pointer :: iterations
        call c_f_pointer(data, iterations)
        iterations = int(progress%iteration, c_int)
        stop = 0
    end function
end module test_support

program test_gdopt
    use, intrinsic :: iso_c_binding, only: c_int, c_loc, c_size_t
    use, intrinsic :: iso_fortran_env, only: int64, real32, real64
    use gdopt
    use test_support
    implicit none

    call test_library()
    call test_optimizer()
    call test_kernels()
    call test_schedule()
    call test_gradcheck()
    call test_solver()
    print '("gdopt Fortran module: ", i0, " passed, ", i0, " failed")', passed, failed
    if (failed > 0) error stop 1

contains

    subroutine test_library()
        call check(gdopt_version() == '0.2.0', 'version')
        call check(gdopt_abi_version() == 1, 'abi_version')
        call check(gdopt_status_name(GDOPT_ERR_SIZE) == 'GDOPT_ERR_SIZE', 'status_name')
        call check(gdopt_set_num_threads(2) == GDOPT_OK, 'set_num_threads(2)')
        call check(gdopt_set_num_threads(0) == GDOPT_OK, 'set_num_threads(0)')
        call check_error(gdopt_set_num_threads(-1), GDOPT_ERR_INVALID, gdopt_last_error(), 'gdopt_set_num_threads', &
                         'set_num_threads(-1)')
    end subroutine

    subroutine test_optimizer()
        type(gdopt_optimizer) :: adam, restored
        real(real64), target :: p(5, 4), g(5, 4), m_ref(5, 4), v_ref(5, 4), p_ref(5, 4), before(5, 4), p2(5, 4)
        real(real32), target :: q(3, 2, 2), h(3, 2, 2), q_kernel(3, 2, 2), m(3, 2, 2), v(3, 2, 2)
        real(real64) :: value, bc1, bc2
        integer :: t, i, j

        call check(gdopt_optimizer_create('adam', adam) == GDOPT_OK, 'create adam')
        call check(gdopt_optimizer_set(adam, 'lr', 0.05_real64) == GDOPT_OK, 'set lr')
        call check(gdopt_optimizer_get(adam, 'lr', value) == GDOPT_OK, 'get lr')
        call check(value == 0.05_real64, 'lr is what was set')
        call check_error(gdopt_optimizer_set(adam, 'lr', -1.0_real64), GDOPT_ERR_INVALID, gdopt_last_error(), 'lr', &
                         'set lr = -1')
        call check_error(gdopt_optimizer_get(adam, 'nope', value), GDOPT_ERR_INVALID, gdopt_last_error(), 'nope', &
                         'get nope')
        call check_error(gdopt_optimizer_create('nope', restored), GDOPT_ERR_INVALID, gdopt_last_error(), 'nope', &
                         'create nope')

        ! A rank-2 real64 array against Adam's equations written here, over 60 steps.
        do j = 1, 4
            do i = 1, 5
                p(i, j) = sin(real(i + 5*j, real64))
            end do
        end do
        p_ref = p
        m_ref = 0
        v_ref = 0
        do t = 1, 60
            g = 2*p - cos(0.1_real64*t)
            call check(gdopt_optimizer_step(adam, 7, p, g) == GDOPT_OK, 'step real64')
            g = 2*p_ref - cos(0.1_real64*t)
            m_ref = 0.9_real64*m_ref + 0.1_real64*g
            v_ref = 0.999_real64*v_ref + 0.001_real64*g*g
            bc1 = 1 - 0.9_real64**t
            bc2 = 1 - 0.999_real64**t
            p_ref = p_ref - (0.05_real64/bc1)*m_ref/(sqrt(v_ref)/sqrt(bc2) + 1e-8_real64)
        end do
        call check(maxval(abs(p - p_ref)) < 1e-12_real64, 'Adam on a rank-2 array matches the reference')

        ! Bad arrays: refused with a message, and nothing changes.
        before = p
        call check_error(gdopt_optimizer_step(adam, 7, p(1:5:2, :), g(1:5:2, :)), GDOPT_ERR_INVALID, &
                         gdopt_last_error(), 'gdopt_optimizer_step_f64: params is not contiguous', 'strided params')
        call check_error(gdopt_optimizer_step(adam, 7, p, g(:, 1:3)), GDOPT_ERR_SIZE, gdopt_last_error(), &
                         'grads and params have 15 and 20 elements', 'grads of another size')
        call check_error(gdopt_optimizer_step(adam, -1, p, g), GDOPT_ERR_INVALID, gdopt_last_error(), 'slot=-1', &
                         'negative slot')
        call check_error(gdopt_optimizer_step(adam, 7, p(:, 1:3), g(:, 1:3)), GDOPT_ERR_SIZE, gdopt_last_error(), &
                         'slot 7 was created with n=20', 'another n (the library refuses)')
        call check_error(gdopt_optimizer_step(adam, 7, q, h), GDOPT_ERR_INVALID, gdopt_last_error(), 'dtype', &
                         'real32 on a real64 slot')
        call check(all(p == before), 'refused steps change nothing')
        call check(gdopt_optimizer_check(adam, 7, p, g) == GDOPT_OK, 'check')
        call check_error(gdopt_optimizer_check(adam, 7, p, g(:, 1:2)), GDOPT_ERR_SIZE, gdopt_last_error(), 'grads', &
                         'check of grads of another size')

        ! Checkpoints continue bit for bit.
        call check(gdopt_optimizer_save(adam, 'build/fortran_adam.ckpt') == GDOPT_OK, 'save')
        call check(gdopt_optimizer_create('adam', restored) == GDOPT_OK, 'create restored')
        call check(gdopt_optimizer_load(restored, 'build/fortran_adam.ckpt') == GDOPT_OK, 'load')
        p2 = p
        call check(gdopt_optimizer_step(adam, 7, p, g) == GDOPT_OK, 'step the original')
        call check(gdopt_optimizer_step(restored, 7, p2, g) == GDOPT_OK, 'step the loaded one')
        call check(all(p == p2), 'loaded state continues')
        call check_error(gdopt_optimizer_load(restored, '/nonexistent/x'), GDOPT_ERR_IO, gdopt_last_error(), &
                         'nonexistent', 'load of a missing file')
        call check(gdopt_optimizer_reset(restored) == GDOPT_OK, 'reset')
        call gdopt_optimizer_destroy(restored)
        call check_error(gdopt_optimizer_reset(restored), GDOPT_ERR_NULL, gdopt_last_error(), '', 'destroyed handle')

        ! real32 of rank 3 through the optimizer and through the kernel: the same bits.
        call check(gdopt_optimizer_create('adam', restored) == GDOPT_OK, 'create adam real32')
        q = reshape([(0.1_real32*i, i=1, 12)], shape(q))
        q_kernel = q
        m = 0
        v = 0
        do t = 1, 20
            h = q - 0.5_real32
            call check(gdopt_optimizer_step(restored, 0, q, h) == GDOPT_OK, 'step real32')
            h = q_kernel - 0.5_real32
            call check(gdopt_adam_update(q_kernel, h, m, v, int(t, int64), 1e-3_real64, 0.9_real64, 0.999_real64, &
                                         1e-8_real64, 0.0_real64, 0) == GDOPT_OK, 'adam kernel real32')
        end do
        call check(all(q == q_kernel), 'optimizer and kernel give the same bits')
        call gdopt_optimizer_destroy(restored)
        call gdopt_optimizer_destroy(adam)
    end subroutine

    subroutine test_kernels()
        real(real64), target :: p(6), g(6), buf(6), ref(6), ref_buf(6), sum_sq(6), sq(6), gavg(6), mom(6)
        real(real64) :: mu_product, mu1, mu2, eta, mu, row_var(2), col_var(3), variance(6), factored(6)
        type(gdopt_optimizer) :: adafactor
        real(real32), target :: p32(6), g32(6), m32(6), v32(6), vmax32(6)
        integer(c_size_t) :: perm(50)
        integer :: t, i
        logical :: permutation

        ! SGD with momentum and Nesterov against its equations.
        p = [(real(i, real64), i=1, 6)]
        ref = p
        g = 0.5_real64
        do t = 1, 50
            call check(gdopt_sgd_update(p, g, int(t, int64), 0.1_real64, 0.9_real64, 0.0_real64, 0.0_real64, &
                                        .true., .false., momentum_buf=buf) == GDOPT_OK, 'sgd nesterov')
            if (t == 1) then
                ref_buf = g
            else
                ref_buf = 0.9_real64*ref_buf + g
            end if
            ref = ref - 0.1_real64*(g + 0.9_real64*ref_buf)
        end do
        call check(maxval(abs(p - ref)) < 1e-12_real64, 'sgd nesterov matches the reference')
        call check(gdopt_sgd_update(p, g, 1_int64, 0.1_real64, 0.0_real64, 0.0_real64, 0.0_real64, .false., &
                                    .true.) == GDOPT_OK, 'sgd without a buffer, maximize')
        call check(abs(p(1) - (ref(1) + 0.05_real64)) < 1e-12_real64, 'sgd maximize ascends')
        call check_error(gdopt_sgd_update(p, g, 2_int64, 0.1_real64, 0.9_real64, 0.0_real64, 0.0_real64, .false., &
                                          .false.), GDOPT_ERR_NULL, gdopt_last_error(), 'momentum_buf', &
                         'momentum without its buffer')
        call check_error(gdopt_sgd_update(p, g, 0_int64, 0.1_real64, 0.0_real64, 0.0_real64, 0.0_real64, .false., &
                                          .false.), GDOPT_ERR_INVALID, gdopt_last_error(), 't=0', 't = 0')
        call check_error(gdopt_sgd_update(p, g(1:5), 1_int64, 0.1_real64, 0.0_real64, 0.0_real64, 0.0_real64, &
                                          .false., .false.), GDOPT_ERR_SIZE, gdopt_last_error(), 'g and p', &
                         'sgd sizes')

        ! Adagrad: sum += g^2, p -= lr g / (sqrt(sum) + eps).
        p = 1
        g = [1, -2, 4, 0, 3, -1]
        sum_sq = 0
        call check(gdopt_adagrad_update(p, g, sum_sq, 1_int64, 0.5_real64, 0.0_real64, 0.0_real64, 1e-10_real64, &
                                        .false.) == GDOPT_OK, 'adagrad')
        call check(abs(p(2) - (1 + 0.5_real64*2/(2 + 1e-10_real64))) < 1e-15_real64 .and. sum_sq(3) == 16, &
                   'adagrad matches its equations')
        call check_error(gdopt_adagrad_update(p, g, sum_sq(1:6:2), 1_int64, 0.5_real64, 0.0_real64, 0.0_real64, &
                                              0.0_real64, .false.), GDOPT_ERR_INVALID, gdopt_last_error(), &
                         'sum is not contiguous', 'strided sum')

        ! RMSprop centered with momentum: one step from zero state, by hand.
        p = 1
        sq = 0
        gavg = 0
        mom = 0
        call check(gdopt_rmsprop_update(p, g, sq, 0.01_real64, 0.9_real64, 1e-8_real64, 0.0_real64, 0.5_real64, &
                                        .true., .false., grad_avg=gavg, momentum_buf=mom) == GDOPT_OK, 'rmsprop')
        ref = 1 - 0.01_real64*g/(sqrt(0.1_real64*g*g - (0.1_real64*g)**2) + 1e-8_real64)
        call check(maxval(abs(p - ref)) < 1e-12_real64, 'rmsprop centered matches its equations')
        call check_error(gdopt_rmsprop_update(p, g, sq, 0.01_real64, 0.9_real64, 1e-8_real64, 0.0_real64, &
                                              0.0_real64, .true., .false.), GDOPT_ERR_NULL, gdopt_last_error(), &
                         'grad_avg', 'centered without grad_avg')

        ! Adam with AMSGrad in real32, vmax optional.
        p32 = 1
        g32 = 0.25_real32
        m32 = 0
        v32 = 0
        vmax32 = 0
        call check(gdopt_adam_update(p32, g32, m32, v32, 1_int64, 1e-2_real64, 0.9_real64, 0.999_real64, &
                                     1e-8_real64, 0.0_real64, GDOPT_ADAM_AMSGRAD, vmax=vmax32) == GDOPT_OK, 'amsgrad')
        call check(abs(p32(1) - (1 - 1e-2_real32)) < 1e-6_real32 .and. vmax32(1) == v32(1), 'amsgrad first step')
        call check_error(gdopt_adam_update(p32, g32, m32, v32, 2_int64, 1e-2_real64, 0.9_real64, 0.999_real64, &
                                           1e-8_real64, 0.0_real64, GDOPT_ADAM_AMSGRAD), GDOPT_ERR_NULL, &
                         gdopt_last_error(), 'vmax', 'amsgrad without vmax')
        call check_error(gdopt_adam_update(p32, g32, m32(1:3), v32, 2_int64, 1e-2_real64, 0.9_real64, 0.999_real64, &
                                           1e-8_real64, 0.0_real64, 0), GDOPT_ERR_SIZE, gdopt_last_error(), &
                         'm and p have 3 and 6', 'adam sizes')

        ! Lion against its equations (Chen et al. 2023), one step from zero state, and as the optimizer object.
        p = [(real(i, real64), i=1, 6)]
        ref = p
        g = [1, -2, 0, 4, -3, 1]
        mom = 0
        call check(gdopt_lion_update(p, g, mom, 0.1_real64, 0.9_real64, 0.99_real64, 0.01_real64, .false.) &
                   == GDOPT_OK, 'lion')
        call check(all(p == ref*(1 - 0.1_real64*0.01_real64) - 0.1_real64*sign(1.0_real64, g)*merge(1, 0, g /= 0)) &
                   .and. maxval(abs(mom - 0.01_real64*g)) < 1e-15_real64, 'lion matches its equations')
        call check_error(gdopt_lion_update(p, g, mom(1:6:2), 0.1_real64, 0.9_real64, 0.99_real64, 0.0_real64, &
                                           .false.), GDOPT_ERR_INVALID, gdopt_last_error(), &
                         'exp_avg is not contiguous', 'strided exp_avg')
        call check_error(gdopt_lion_update(p, g, mom, 0.1_real64, 1.5_real64, 0.99_real64, 0.0_real64, .false.), &
                         GDOPT_ERR_INVALID, gdopt_last_error(), 'beta1', 'lion beta1 = 1.5')

        ! Adamax's first step from zero state: m = (1-b1) g, u = |g| + eps, p -= lr/(1-b1) * m/u.
        p = 1
        mom = 0
        sq = 0
        call check(gdopt_adamax_update(p, g, mom, sq, 1_int64, 2e-3_real64, 0.9_real64, 0.999_real64, 1e-8_real64, &
                                       0.0_real64, .false.) == GDOPT_OK, 'adamax')
        ref = 1 - 2e-3_real64/0.1_real64*((0.1_real64*g)/(abs(g) + 1e-8_real64))
        call check(maxval(abs(p - ref)) < 1e-15_real64, 'adamax matches its equations')
        call check_error(gdopt_adamax_update(p, g, mom, sq(1:2), 2_int64, 2e-3_real64, 0.9_real64, 0.999_real64, &
                                             1e-8_real64, 0.0_real64, .false.), GDOPT_ERR_SIZE, gdopt_last_error(), &
                         'exp_inf and p have 2 and 6', 'adamax sizes')

        ! Adadelta's first step from zero state: v = (1-rho) g^2, delta = sqrt(eps)/sqrt(v+eps) g.
        p = 1
        sq = 0
        mom = 0
        call check(gdopt_adadelta_update(p, g, sq, mom, 1.0_real64, 0.9_real64, 1e-6_real64, 0.0_real64, .false.) &
                   == GDOPT_OK, 'adadelta')
        ref = 1 - sqrt(1e-6_real64)/sqrt(0.1_real64*g*g + 1e-6_real64)*g
        call check(maxval(abs(p - ref)) < 1e-15_real64, 'adadelta matches its equations')
        call check_error(gdopt_adadelta_update(p, g, sq, mom, 1.0_real64, 1.5_real64, 1e-6_real64, 0.0_real64, &
                                               .false.), GDOPT_ERR_INVALID, gdopt_last_error(), 'rho', 'rho = 1.5')

        ! Rprop's first two steps: the first moves by -sign(g)*lr; a sign change then shrinks the
        ! step by eta_minus and holds the element still.
        p = 1
        mom = 0
        sq = 0.1_real64
        call check(gdopt_rprop_update(p, g, mom, sq, 0.5_real64, 1.2_real64, 1e-6_real64, 50.0_real64, .false.) &
                   == GDOPT_OK, 'rprop')
        ref = 1 - sign(1.0_real64, g)*merge(0.1_real64, 0.0_real64, g /= 0)
        call check(all(p == ref) .and. all(mom == g), 'rprop first step')
        ! (Separate statements: Fortran may evaluate an operand of .and. before the call that changes it.)
        call check(gdopt_rprop_update(p, -g, mom, sq, 0.5_real64, 1.2_real64, 1e-6_real64, 50.0_real64, .false.) &
                   == GDOPT_OK, 'rprop second step')
        call check(all(p == ref) .and. all(sq == merge(0.05_real64, 0.1_real64, g /= 0)), 'rprop after a sign change')
        call check_error(gdopt_rprop_update(p, g, mom, sq, 0.5_real64, 0.9_real64, 1e-6_real64, 50.0_real64, &
                                            .false.), GDOPT_ERR_INVALID, gdopt_last_error(), 'eta_plus', 'eta_plus < 1')

        ! NAdam's first step from zero state: m = 0.1 g, v = 0.001 g^2, d = |g| + eps.
        p = 1
        mom = 0
        sq = 0
        mu_product = 1
        call check(gdopt_nadam_update(p, g, mom, sq, mu_product, 1_int64, 2e-3_real64, 0.9_real64, 0.999_real64, &
                                      1e-8_real64, 0.0_real64, 4e-3_real64, .false., .false.) == GDOPT_OK, 'nadam')
        mu1 = 0.9_real64*(1 - 0.5_real64*0.96_real64**(1*4e-3_real64))
        mu2 = 0.9_real64*(1 - 0.5_real64*0.96_real64**(2*4e-3_real64))
        ref = 1 - 2e-3_real64*g/(abs(g) + 1e-8_real64) &
              - 2e-3_real64*mu2/(1 - mu1*mu2)*0.1_real64*g/(abs(g) + 1e-8_real64)
        call check(maxval(abs(p - ref)) < 1e-15_real64 .and. abs(mu_product - mu1) < 1e-16_real64, &
                   'nadam matches its equations')
        mu_product = 2
        call check_error(gdopt_nadam_update(p, g, mom, sq, mu_product, 2_int64, 2e-3_real64, 0.9_real64, &
                                            0.999_real64, 1e-8_real64, 0.0_real64, 4e-3_real64, .false., .false.), &
                         GDOPT_ERR_INVALID, gdopt_last_error(), 'mu_product=2', 'mu_product = 2')
        call check(mu_product == 2, 'a failed nadam call leaves mu_product')

        ! RAdam's first step is not rectified (rho_1 = 1): p -= lr*m/bc1 = lr*g.
        p = 1
        mom = 0
        sq = 0
        call check(gdopt_radam_update(p, g, mom, sq, 1_int64, 1e-3_real64, 0.9_real64, 0.999_real64, 1e-8_real64, &
                                      0.0_real64, .false., .false.) == GDOPT_OK, 'radam')
        call check(maxval(abs(p - (1 - 1e-3_real64*g))) < 1e-15_real64, 'radam matches its equations')
        call check_error(gdopt_radam_update(p, g, mom, sq(1:3), 2_int64, 1e-3_real64, 0.9_real64, 0.999_real64, &
                                            1e-8_real64, 0.0_real64, .false., .false.), GDOPT_ERR_SIZE, &
                         gdopt_last_error(), 'exp_avg_sq and p have 3 and 6', 'radam sizes')

        ! ASGD's first step: p = p(1 - lambd eta) - eta g, ax = p, then eta = lr/(1 + lambd lr)^alpha.
        p = 1
        mom = 0
        eta = 0.01_real64
        mu = 1
        call check(gdopt_asgd_update(p, g, mom, eta, mu, 1_int64, 0.01_real64, 1e-4_real64, 0.75_real64, &
                                     1e6_real64, 0.0_real64, .false.) == GDOPT_OK, 'asgd')
        call check(all(p == (1 - 1e-4_real64*0.01_real64) - 0.01_real64*g) .and. all(mom == p), &
                   'asgd matches its equations')
        call check(abs(eta - 0.01_real64/(1 + 1e-4_real64*0.01_real64)**0.75_real64) < 1e-18_real64 .and. mu == 1, &
                   'asgd updates eta and mu')
        mu = -1
        call check_error(gdopt_asgd_update(p, g, mom, eta, mu, 2_int64, 0.01_real64, 1e-4_real64, 0.75_real64, &
                                           1e6_real64, 0.0_real64, .false.), GDOPT_ERR_INVALID, gdopt_last_error(), &
                         'mu=-1', 'mu = -1')

        ! Adafactor's first step from zero state: V = g^2 (w = 1), u = g/|g| where g /= 0, and the
        ! step is alpha = max(eps2, rms(p))*lr, scaled down by max(1, rms(u)).
        p = 1
        variance = 0
        call check(gdopt_adafactor_update(p, g, 0_c_size_t, 0_c_size_t, 1_int64, 0.01_real64, -0.8_real64, &
                                          0.0_real64, 1e-3_real64, 1.0_real64, 0.0_real64, .false., &
                                          variance=variance) == GDOPT_OK, 'adafactor')
        ref = g/sqrt(max(g*g, epsilon(1.0_real64)**2))
        ref = 1 - 0.01_real64*ref/max(1.0_real64, sqrt(sum(ref*ref)/6))
        call check(maxval(abs(p - ref)) < 1e-15_real64 .and. all(variance == g*g), 'adafactor matches its equations')
        ! A factored slot (2 x 3, C order) of the optimizer equals the factored kernel.
        p = 1
        factored = 1
        row_var = 0
        col_var = 0
        call check(gdopt_optimizer_create('adafactor', adafactor) == GDOPT_OK, 'adafactor optimizer')
        call check(gdopt_optimizer_set_shape(adafactor, 0, 2_c_size_t, 3_c_size_t) == GDOPT_OK, 'set_shape')
        do t = 1, 5
            call check(gdopt_optimizer_step(adafactor, 0, p, g*t) == GDOPT_OK, 'adafactor step')
            call check(gdopt_adafactor_update(factored, g*t, 2_c_size_t, 3_c_size_t, int(t, int64), 0.01_real64, &
                                              -0.8_real64, 0.0_real64, 1e-3_real64, 1.0_real64, 0.0_real64, &
                                              .false., row_var=row_var, col_var=col_var) == GDOPT_OK, &
                       'adafactor factored kernel')
        end do
        call check(all(p == factored), 'a factored slot equals the factored kernel')
        call check_error(gdopt_optimizer_set_shape(adafactor, 0, 3_c_size_t, 2_c_size_t), GDOPT_ERR_INVALID, &
                         gdopt_last_error(), 'has state', 'set_shape after the first step')
        call gdopt_optimizer_destroy(adafactor)
        call check_error(gdopt_adafactor_update(factored, g, 2_c_size_t, 3_c_size_t, 1_int64, 0.01_real64, &
                                                -0.8_real64, 0.0_real64, 1e-3_real64, 1.0_real64, 0.0_real64, &
                                                .false., row_var=col_var, col_var=row_var), GDOPT_ERR_SIZE, &
                         gdopt_last_error(), 'row_var must have rows elements', 'adafactor factor sizes')

        ! The shuffle is a permutation of 0 .. n-1.
        call check(gdopt_shuffle(7_int64, 2_int64, perm) == GDOPT_OK, 'shuffle')
        permutation = .true.
        do i = 0, 49
            permutation = permutation .and. count(perm == i) == 1
        end do
        call check(permutation .and. any(perm /= [(i, i=0, 49)]), 'shuffle gives a permutation')
    end subroutine

    subroutine test_schedule()
        type(gdopt_schedule) :: cosine, plateau
        real(real64) :: lr, value, pi
        integer :: t
        logical :: matches
        pi = acos(-1.0_real64)
        call check(gdopt_schedule_create('cosine', cosine) == GDOPT_OK, 'schedule create')
        call check(gdopt_schedule_set(cosine, 'base_lr', 0.1_real64) == GDOPT_OK, 'schedule set base_lr')
        call check(gdopt_schedule_set(cosine, 't_max', 10.0_real64) == GDOPT_OK, 'schedule set t_max')
        call check(gdopt_schedule_get(cosine, 't_max', value) == GDOPT_OK, 'schedule get')
        call check(value == 10, 't_max is what was set')
        matches = .true.
        do t = 0, 10
            call check(gdopt_schedule_lr(cosine, int(t, int64), lr) == GDOPT_OK, 'schedule lr')
            matches = matches .and. abs(lr - 0.05_real64*(1 + cos(pi*t/10))) < 1e-15_real64
        end do
        call check(matches, 'cosine schedule matches its formula')
        call check_error(gdopt_schedule_observe(cosine, 1.0_real64), GDOPT_ERR_STATE, gdopt_last_error(), 'plateau', &
                         'observe on a cosine schedule')
        call check_error(gdopt_schedule_set(cosine, 't_max', 1.5_real64), GDOPT_ERR_INVALID, gdopt_last_error(), &
                         't_max', 't_max not whole')
        call check(gdopt_schedule_create('plateau', plateau) == GDOPT_OK, 'plateau')
        call check(gdopt_schedule_set(plateau, 'base_lr', 1.0_real64) == GDOPT_OK, 'plateau base_lr')
        call check(gdopt_schedule_set(plateau, 'patience', 1.0_real64) == GDOPT_OK, 'plateau patience')
        do t = 1, 3
            call check(gdopt_schedule_observe(plateau, 1.0_real64) == GDOPT_OK, 'observe')
        end do
        call check(gdopt_schedule_lr(plateau, 0_int64, lr) == GDOPT_OK, 'plateau lr')
        call check(abs(lr - 0.1_real64) < 1e-15_real64, 'plateau reduces the rate')
        call gdopt_schedule_destroy(cosine)
        call gdopt_schedule_destroy(plateau)
    end subroutine

    subroutine test_gradcheck()
        real(real64), target :: x(4), numeric(4), analytic(4), f
        type(gdopt_gradcheck_result) :: res
        integer(c_int), target :: calls
        x = [-1.2_real64, 1.0_real64, 0.5_real64, 2.0_real64]
        calls = 0
        call check(gdopt_gradcheck(rosenbrock, x, 1e-5_real64, res, c_loc(calls)) == GDOPT_OK, 'gradcheck')
        call check(res%max_rel_error < 1e-6_real64 .and. res%evaluations == 9 .and. calls == 9, &
                   'gradcheck passes the right gradient')
        call check(gdopt_numerical_gradient(rosenbrock, x, 1e-6_real64, numeric, c_loc(calls)) == GDOPT_OK, &
                   'numerical_gradient')
        f = rosenbrock(4_c_size_t, x, analytic, c_loc(calls))
        call check(maxval(abs(numeric - analytic)/abs(analytic)) < 1e-5_real64, 'numerical gradient is close')
        call check_error(gdopt_gradcheck(nan_gradient, x, 1e-5_real64, res), GDOPT_ERR_NONFINITE, gdopt_last_error(), &
                         '', 'a NaN gradient fails the check')
        call check(res%worst_index == 1, 'the NaN is named')
        call check_error(gdopt_gradcheck(rosenbrock, x, -1.0_real64, res, c_loc(calls)), GDOPT_ERR_INVALID, &
                         gdopt_last_error(), 'h', 'h < 0')
        call check_error(gdopt_numerical_gradient(rosenbrock, x, 1e-6_real64, numeric(1:3), c_loc(calls)), &
                         GDOPT_ERR_SIZE, gdopt_last_error(), 'grad_out', 'grad_out of another size')
    end subroutine

    subroutine test_solver()
        type(gdopt_solver) :: lbfgs, stepped, resumed, random, unknown
        type(gdopt_result) :: res, res_c
        real(real64), target :: x(10), y(10), g(10), z(2), f, value
        integer(c_int), target :: calls, iterations
        integer(int64) :: n
        integer :: task, i, evaluations, samples
        real(real64) :: two_d(2, 5)

        x = [(merge(1.0_real64, -1.2_real64, mod(i, 2) == 0), i=1, 10)]
        y = x
        calls = 0
        iterations = 0
        call check(gdopt_solver_create('lbfgs', lbfgs) == GDOPT_OK, 'solver create')
        call check(gdopt_solver_set(lbfgs, 'gtol', 1e-8_real64) == GDOPT_OK, 'solver set')
        call check(gdopt_solver_get(lbfgs, 'gtol', value) == GDOPT_OK, 'solver get')
        call check(value == 1e-8_real64, 'gtol is what was set')
        call check_error(gdopt_solver_set(lbfgs, 'c2', 2.0_real64), GDOPT_ERR_INVALID, gdopt_last_error(), 'c2', &
                         'c2 = 2')
        call check(gdopt_solver_set_progress(lbfgs, count_iterations, c_loc(iterations)) == GDOPT_OK, 'set_progress')
        call check(gdopt_solver_minimize(lbfgs, rosenbrock, x, res, c_loc(calls)) == GDOPT_OK, 'minimize')
        call check(res%reason == GDOPT_CONVERGED_GTOL .and. maxval(abs(x - 1)) < 1e-6_real64, 'minimize converges')
        call check(int(res%evaluations) == calls .and. int(res%iterations) == iterations, 'counts and progress')
        call check(gdopt_solver_set_progress(lbfgs) == GDOPT_OK, 'remove the progress callback')

        ! Ask/tell: the same points as minimize, bit for bit; a checkpoint mid-run continues.
        call check(gdopt_solver_create('lbfgs', stepped) == GDOPT_OK, 'ask/tell solver')
        call check(gdopt_solver_set(stepped, 'gtol', 1e-8_real64) == GDOPT_OK, 'ask/tell gtol')
        call check(gdopt_solver_begin(stepped, y) == GDOPT_OK, 'begin')
        call check(gdopt_solver_dimension(stepped, n) == GDOPT_OK, 'dimension')
        call check(n == 10, 'dimension is 10')
        evaluations = 0
        do
            call check(gdopt_solver_ask(stepped, y, task) == GDOPT_OK, 'ask')
            if (task == GDOPT_TASK_DONE) exit
            if (task == GDOPT_TASK_EVALUATE) then
                f = rosenbrock(10_c_size_t, y, g, c_loc(calls))
                call check(gdopt_solver_tell(stepped, f, g) == GDOPT_OK, 'tell')
                evaluations = evaluations + 1
                if (evaluations == 10) call check(gdopt_solver_save(stepped, 'build/fortran_solver.ckpt') == GDOPT_OK, &
                                                  'solver save')
            end if
        end do
        call check(all(y == x), 'ask/tell visits the same points as minimize')
        call check(gdopt_solver_result(stepped, res_c) == GDOPT_OK, 'result')
        call check(res_c%iterations == res%iterations, 'the same iterations as minimize')
        call check_error(gdopt_solver_tell(stepped, 1.0_real64, g), GDOPT_ERR_STATE, gdopt_last_error(), '', &
                         'tell after DONE')
        call check(gdopt_solver_create('lbfgs', resumed) == GDOPT_OK, 'solver to load into')
        call check(gdopt_solver_load(resumed, 'build/fortran_solver.ckpt') == GDOPT_OK, 'solver load')
        do
            call check(gdopt_solver_ask(resumed, y, task) == GDOPT_OK, 'ask after load')
            if (task == GDOPT_TASK_DONE) exit
            if (task == GDOPT_TASK_EVALUATE) then
                f = rosenbrock(10_c_size_t, y, g, c_loc(calls))
                call check(gdopt_solver_tell(resumed, f, g) == GDOPT_OK, 'tell after load')
            end if
        end do
        call check(all(y == x), 'a loaded run continues bit for bit')
        call check_error(gdopt_solver_load(resumed, 'build'), GDOPT_ERR_IO, gdopt_last_error(), '', 'load a folder')
        call check_error(gdopt_solver_begin(resumed, y(1:10:2)), GDOPT_ERR_INVALID, gdopt_last_error(), &
                         'x0 is not contiguous', 'strided x0')
        call check(gdopt_solver_begin(resumed, y) == GDOPT_OK, 'begin again')
        call check_error(gdopt_solver_ask(resumed, y(1:3), task), GDOPT_ERR_SIZE, gdopt_last_error(), '', &
                         'ask with another n')

        ! Bounds (L-BFGS-B), upper only, on a rank-2 x: the box holds the minimiser.
        two_d = 0
        call check(gdopt_solver_set_bounds(lbfgs, upper=reshape([(0.5_real64, i=1, 10)], [2, 5])) == GDOPT_OK, &
                   'set_bounds upper only')
        call check(gdopt_solver_minimize(lbfgs, rosenbrock, two_d, res, c_loc(calls)) == GDOPT_OK, 'bounded minimize')
        call check(maxval(two_d) <= 0.5_real64 .and. abs(two_d(1, 1) - 0.5_real64) < 1e-6_real64, &
                   'the bound holds and is active')
        call check_error(gdopt_solver_set_bounds(lbfgs, [1.0_real64, 2.0_real64], [0.0_real64, 3.0_real64]), &
                         GDOPT_ERR_INVALID, gdopt_last_error(), 'lower', 'lower > upper')
        call check_error(gdopt_solver_set_bounds(lbfgs, [1.0_real64], [0.0_real64, 3.0_real64]), GDOPT_ERR_SIZE, &
                         gdopt_last_error(), 'upper and lower', 'bounds of two sizes')
        call check(gdopt_solver_set_bounds(lbfgs) == GDOPT_OK, 'clear the bounds')

        ! Gradient-free tell, and stop.
        call check(gdopt_solver_create('random_search', random) == GDOPT_OK, 'random search')
        call check(gdopt_solver_set(random, 'max_iter', 50.0_real64) == GDOPT_OK, 'random search max_iter')
        z = 0
        samples = 0
        call check(gdopt_solver_begin(random, z) == GDOPT_OK, 'begin random')
        do
            call check(gdopt_solver_ask(random, z, task) == GDOPT_OK, 'ask random')
            if (task == GDOPT_TASK_DONE) exit
            if (task == GDOPT_TASK_EVALUATE) call check(gdopt_solver_tell(random, sum(z**2)) == GDOPT_OK, 'tell f')
            if (task == GDOPT_TASK_ITERATE) then
                samples = samples + 1
                if (samples == 20) call check(gdopt_solver_stop(random) == GDOPT_OK, 'stop')
            end if
        end do
        call check(gdopt_solver_result(random, res) == GDOPT_OK, 'random result')
        call check(res%reason == GDOPT_STOPPED_BY_CALLBACK .and. res%iterations == 20, 'stopped after 20 samples')
        call gdopt_solver_destroy(resumed)
        call check(gdopt_solver_create('lbfgs', resumed) == GDOPT_OK, 'a solver without a run')
        call check_error(gdopt_solver_stop(resumed), GDOPT_ERR_STATE, gdopt_last_error(), '', 'stop without a run')
        call check_error(gdopt_solver_create('nope', unknown), GDOPT_ERR_INVALID, gdopt_last_error(), 'nope', &
                         'unknown method')
        call gdopt_solver_destroy(lbfgs)
        call gdopt_solver_destroy(stepped)
        call gdopt_solver_destroy(resumed)
        call gdopt_solver_destroy(random)
        call check_error(gdopt_solver_stop(lbfgs), GDOPT_ERR_NULL, gdopt_last_error(), '', 'a destroyed solver')
    end subroutine
end program test_gdopt

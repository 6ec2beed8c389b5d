! Fits the conductivity profile kappa(x) of a 1-D heat equation to noisy observations.
!
!   u_t = (kappa(x) u_x)_x on (0, 1), u = 0 at both ends, stepped explicitly:
!   u_i <- u_i + r (F_(i+1/2) - F_(i-1/2)),  F_(i+1/2) = kappa_(i+1/2) (u_(i+1) - u_i),  r = dt / dx^2.
!
! The unknowns are kappa at the 32 cell faces, bounded to [0.2, 3] (the explicit scheme is
! stable up to kappa = 3). Two experiments (two initial profiles) are observed every 5 of
! 300 steps with Gaussian noise. The misfit's gradient comes from the discrete adjoint of the
! scheme, written here; gdopt_gradcheck checks it first. L-BFGS-B runs through ask/tell:
! the time loop stays in the program, as it would in a simulation code.
!
! Build: gfortran heat_fit.f90 $(pkg-config --cflags --libs gdopt-fortran)   (see the README)
module heat
    use, intrinsic :: iso_c_binding, only: c_double, c_f_pointer, c_ptr, c_size_t
    use, intrinsic :: iso_fortran_env, only: real64
    implicit none
    integer, parameter :: cells = 31, faces = cells + 1, steps = 300, every = 5, experiments = 2
    real(real64), parameter :: kappa_min = 0.2_real64, kappa_max = 3, r = 0.4_real64/kappa_max, noise = 5e-4_real64
    real(real64), parameter :: pi = acos(-1.0_real64)
    !> What the misfit compares with, passed through the objective's data pointer.
    type :: experiment_data
        real(real64) :: initial(cells, experiments), observed(cells, steps, experiments)
    end type
contains
    !> x of face f (f = 1 .. faces), between cells f-1 and f.
    pure real(real64) function face_x(f)
        integer, intent(in) :: f
        face_x = (f - 0.5_real64)/(cells + 1)
    end function

    pure function true_kappa() result(kappa)
        real(real64) :: kappa(faces)
        integer :: f
        kappa = [(1 + 0.6_real64*sin(2*pi*face_x(f)) + 0.3_real64*cos(5*pi*face_x(f)), f=1, faces)]
    end function

    !> One explicit step: u_next = u + r * div(kappa grad u), with u = 0 outside.
    pure subroutine step(kappa, u, u_next)
        real(real64), intent(in) :: kappa(faces), u(cells)
        real(real64), intent(out) :: u_next(cells)
        real(real64) :: flux(faces)
        flux = kappa*([u, 0.0_real64] - [0.0_real64, u])
        u_next = u + r*(flux(2:) - flux(:faces - 1))
    end subroutine

    !> u(:, n) after n steps from u0.
    pure subroutine simulate(kappa, u0, u)
        real(real64), intent(in) :: kappa(faces), u0(cells)
        real(real64), intent(out) :: u(cells, 0:steps)
        integer :: n
        u(:, 0) = u0
        do n = 1, steps
            call step(kappa, u(:, n - 1), u(:, n))
        end do
    end subroutine

    !> J = 1/2 sum of squared residuals at the observed steps, and dJ/dkappa by the adjoint.
    function misfit(n, kappa, grad, data) bind(c) result(j)
        integer(c_size_t), value :: n
        real(c_double), intent(in) :: kappa(n)
        real(c_double), intent(out), optional :: grad(n)
        type(c_ptr), value :: data
        real(c_double) :: j
        real(real64) :: residual(cells), adjoint(cells), next(cells), du(faces)
        real(real64), allocatable :: u(:, :)
        type(experiment_data), pointer :: problem
        integer :: e, s
        call c_f_pointer(data, problem)
        allocate (u(cells, 0:steps))
        j = 0
        if (present(grad)) grad = 0
        do e = 1, experiments
            call simulate(kappa, problem%initial(:, e), u)
            adjoint = 0
            do s = steps, 1, -1
                if (mod(s, every) == 0) then
                    residual = u(:, s) - problem%observed(:, s, e)
                    j = j + 0.5_real64*sum(residual**2)
                    adjoint = adjoint + residual
                end if
                if (.not. present(grad)) cycle
                ! dJ/dkappa_f through step s: r (u_f - u_(f-1)) (adjoint_(f-1) - adjoint_f) at step s-1.
                du = [u(:, s - 1), 0.0_real64] - [0.0_real64, u(:, s - 1)]
                grad = grad + r*du*([0.0_real64, adjoint] - [adjoint, 0.0_real64])
                ! The step is symmetric in u, so its transpose is itself.
                call step(kappa, adjoint, next)
                adjoint = next
            end do
        end do
    end function

    !> Two initial profiles, and their observations under the true kappa with noise.
    subroutine make_observations(problem)
        type(experiment_data), intent(out) :: problem
        real(real64) :: x(cells)
        real(real64), allocatable :: u(:, :), z(:, :, :, :)
        integer :: i, e
        integer, allocatable :: seed(:)
        allocate (u(cells, 0:steps), z(cells, steps, experiments, 2))
        call random_seed(size=i)
        allocate (seed(i))
        seed = [(7919*i, i=1, size(seed))]
        call random_seed(put=seed)
        x = [((i + 0.0_real64)/(cells + 1), i=1, cells)]
        problem%initial(:, 1) = sin(pi*x) + 0.5_real64*sin(7*pi*x) + 0.25_real64*sin(13*pi*x)
        call random_number(problem%initial(:, 2))
        call random_number(z)
        do e = 1, experiments
            call simulate(true_kappa(), problem%initial(:, e), u)
            ! Box-Muller: a standard normal from two uniforms in (0, 1].
            problem%observed(:, :, e) = u(:, 1:) + noise*sqrt(-2*log(1 - z(:, :, e, 1)))*cos(2*pi*z(:, :, e, 2))
        end do
    end subroutine
end module heat

program heat_fit
    use, intrinsic :: iso_c_binding, only: c_loc, c_size_t
    use, intrinsic :: iso_fortran_env, only: real64
    use gdopt
    use heat
    implicit none
    type(experiment_data), target :: problem
    type(gdopt_solver) :: solver
    type(gdopt_gradcheck_result) :: check
    type(gdopt_result) :: result
    real(real64) :: kappa(faces), grad(faces), truth(faces), f
    integer :: task, i

    call make_observations(problem)
    truth = true_kappa()

    ! The adjoint gradient against centred differences, away from the bounds.
    kappa = [(1 + 0.2_real64*cos(3*pi*face_x(i)), i=1, faces)]
    call require(gdopt_gradcheck(misfit, kappa, 1e-6_real64, check, c_loc(problem)))
    print '("gradient check: max relative error ", es9.2, " over ", i0, " parameters")', check%max_rel_error, faces
    if (check%max_rel_error > 1e-5_real64) error stop 'the adjoint gradient is wrong'

    ! L-BFGS-B by ask/tell from kappa = 1.
    call require(gdopt_solver_create('lbfgs', solver))
    call require(gdopt_solver_set(solver, 'gtol', 1e-10_real64))
    call require(gdopt_solver_set(solver, 'max_iter', 2000.0_real64))
    call require(gdopt_solver_set_bounds(solver, [(kappa_min, i=1, faces)], [(kappa_max, i=1, faces)]))
    kappa = 1
    call require(gdopt_solver_begin(solver, kappa))
    do
        call require(gdopt_solver_ask(solver, kappa, task))
        if (task == GDOPT_TASK_DONE) exit
        if (task == GDOPT_TASK_EVALUATE) then
            f = misfit(int(faces, c_size_t), kappa, grad, c_loc(problem))
            call require(gdopt_solver_tell(solver, f, grad))
        end if
    end do
    call require(gdopt_solver_result(solver, result))
    call gdopt_solver_destroy(solver)

    print '("L-BFGS-B: reason ", i0, " after ", i0, " iterations and ", i0, " evaluations, misfit ", es10.3)', &
        result%reason, result%iterations, result%evaluations, result%f
    print '("     x   fitted     true")'
    do i = 1, faces
        print '("kappa ", f8.6, " ", f8.6, " ", f8.6)', face_x(i), kappa(i), truth(i)
    end do
    print '("max relative error of the profile: ", f6.4)', maxval(abs(kappa - truth)/truth)

contains
    subroutine require(status)
        integer, intent(in) :: status
        if (status /= GDOPT_OK) then
            print '("gdopt: ", a)', gdopt_last_error()
            error stop 1
        end if
    end subroutine
end program heat_fit

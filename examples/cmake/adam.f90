! Adam on a 3 x 2 array from Fortran through the imported target gdopt::fortran.
program adam_fortran
    use, intrinsic :: iso_fortran_env, only: real64
    use gdopt
    implicit none
    type(gdopt_optimizer) :: adam
    real(real64) :: p(3, 2), g(3, 2), target(3, 2)
    integer :: step
    target = reshape([1, 2, 3, 4, 5, 6], [3, 2])
    p = 0
    if (gdopt_optimizer_create('adam', adam) /= GDOPT_OK) error stop gdopt_last_error()
    if (gdopt_optimizer_set(adam, 'lr', 0.05_real64) /= GDOPT_OK) error stop gdopt_last_error()
    do step = 1, 2000
        g = 2*(p - target)
        if (gdopt_optimizer_step(adam, 0, p, g) /= GDOPT_OK) error stop gdopt_last_error()
    end do
    call gdopt_optimizer_destroy(adam)
    print '("Fortran: gdopt ", a, ", adam max |p - target| = ", es8.1)', gdopt_version(), maxval(abs(p - target))
    if (maxval(abs(p - target)) > 1e-3_real64) error stop 1
end program adam_fortran

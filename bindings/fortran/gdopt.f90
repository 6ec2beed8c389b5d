!> gdopt — Fortran 2018 interface to gdopt's C ABI (API.md §12), built into libgdopt_fortran.
!>
!> Names are the C names (gdopt.h is the manual); the C types become Fortran ones:
!>  - Every function that can fail returns an integer status, one of the GDOPT_OK and
!>    GDOPT_ERR_* constants below. gdopt_last_error() gives the message as a Fortran string.
!>  - Handles are the derived types gdopt_optimizer, gdopt_solver and gdopt_schedule,
!>    created by gdopt_X_create and freed by gdopt_X_destroy.
!>  - Arrays are real(real32) or real(real64) of any rank (assumed rank), passed without a
!>    copy: a non-contiguous actual argument (an array section with a stride, say) is
!>    GDOPT_ERR_INVALID, and arrays that go together must have the same number of elements
!>    (GDOPT_ERR_SIZE). The _f32 / _f64 choice follows the arrays' kind.
!>  - The kernels' state buffers that C allows to be NULL are optional arguments, last.
!>  - Slots are default integers >= 0; step counts t are integer(int64) (C's uint64_t).
!>  - Objectives and progress callbacks are bind(c) procedures with the interfaces
!>    gdopt_objective and gdopt_progress_callback; grad is absent when no gradient is
!>    wanted. gdopt_shuffle's permutation is 0-based, as in every language.
!>  - Threads: as gdopt.h (one handle per thread at a time).
module gdopt
    use, intrinsic :: iso_c_binding, only: c_associated, c_char, c_double, c_f_pointer, c_funloc, c_funptr, c_int, &
        c_int32_t, c_int64_t, c_loc, c_null_char, c_null_funptr, c_null_ptr, c_ptr, c_size_t
    use, intrinsic :: iso_fortran_env, only: int64, real32, real64
    implicit none
    private

    integer, parameter, public :: GDOPT_OK = 0, GDOPT_ERR_NULL = 1, GDOPT_ERR_INVALID = 2, GDOPT_ERR_SIZE = 3, &
        GDOPT_ERR_NONFINITE = 4, GDOPT_ERR_FORMAT = 5, GDOPT_ERR_IO = 6, GDOPT_ERR_MEMORY = 7, &
        GDOPT_ERR_CALLBACK = 8, GDOPT_ERR_STATE = 9
    integer, parameter, public :: GDOPT_TASK_EVALUATE = 1, GDOPT_TASK_ITERATE = 2, GDOPT_TASK_DONE = 3
    integer, parameter, public :: GDOPT_CONVERGED_GTOL = 1, GDOPT_CONVERGED_FTOL = 2, GDOPT_CONVERGED_XTOL = 3, &
        GDOPT_MAX_ITER = 4, GDOPT_MAX_EVALS = 5, GDOPT_STOPPED_BY_CALLBACK = 6, GDOPT_LINESEARCH_FAILED = 7
    integer, parameter, public :: GDOPT_ADAM_DECOUPLED = 1, GDOPT_ADAM_AMSGRAD = 2, GDOPT_ADAM_MAXIMIZE = 4

    type, public :: gdopt_optimizer
        type(c_ptr), private :: handle = c_null_ptr
    end type
    type, public :: gdopt_solver
        type(c_ptr), private :: handle = c_null_ptr
    end type
    type, public :: gdopt_schedule
        type(c_ptr), private :: handle = c_null_ptr
    end type

    type, bind(c), public :: gdopt_result
        real(c_double) :: f, grad_norm
        integer(c_size_t) :: iterations, evaluations
        integer(c_int) :: reason
    end type
    type, bind(c), public :: gdopt_progress
        integer(c_size_t) :: iteration, evaluations
        real(c_double) :: f, grad_norm, step
    end type
    type, bind(c), public :: gdopt_gradcheck_result
        real(c_double) :: max_abs_error, max_rel_error
        integer(c_size_t) :: worst_index
        real(c_double) :: analytic_at_worst, numeric_at_worst
        integer(c_size_t) :: evaluations
    end type

    abstract interface
        !> f(x), and the gradient into grad when it is present. NaN ends the run (CALLBACK).
        function gdopt_objective(n, x, grad, data) bind(c) result(f)
            import :: c_size_t, c_double, c_ptr
            integer(c_size_t), value :: n
            real(c_double), intent(in) :: x(n)
            real(c_double), intent(out), optional :: grad(n)
            type(c_ptr), value :: data
            real(c_double) :: f
        end function
        !> After each iteration; a nonzero result stops the run.
        function gdopt_progress_callback(progress, data) bind(c) result(stop)
            import :: gdopt_progress, c_ptr, c_int
            type(gdopt_progress), intent(in) :: progress
            type(c_ptr), value :: data
            integer(c_int) :: stop
        end function
    end interface
    public :: gdopt_objective, gdopt_progress_callback

    public :: gdopt_version, gdopt_abi_version, gdopt_status_name, gdopt_last_error, gdopt_set_num_threads
    public :: gdopt_optimizer_create, gdopt_optimizer_set, gdopt_optimizer_get, gdopt_optimizer_step, &
        gdopt_optimizer_check, gdopt_optimizer_reset, gdopt_optimizer_save, gdopt_optimizer_load, &
        gdopt_optimizer_set_shape, gdopt_optimizer_destroy
    public :: gdopt_sgd_update, gdopt_adagrad_update, gdopt_rmsprop_update, gdopt_adam_update, gdopt_lion_update, &
        gdopt_adamax_update, gdopt_adadelta_update, gdopt_rprop_update, gdopt_nadam_update, gdopt_radam_update, &
        gdopt_asgd_update, gdopt_adafactor_update, gdopt_shuffle
    public :: gdopt_schedule_create, gdopt_schedule_set, gdopt_schedule_get, gdopt_schedule_lr, &
        gdopt_schedule_observe, gdopt_schedule_destroy
    public :: gdopt_numerical_gradient, gdopt_gradcheck
    public :: gdopt_solver_create, gdopt_solver_set, gdopt_solver_get, gdopt_solver_set_bounds, &
        gdopt_solver_set_progress, gdopt_solver_minimize, gdopt_solver_begin, gdopt_solver_ask, gdopt_solver_tell, &
        gdopt_solver_stop, gdopt_solver_result, gdopt_solver_dimension, gdopt_solver_save, gdopt_solver_load, &
        gdopt_solver_destroy

    interface gdopt_optimizer_step
        module procedure optimizer_step_f32, optimizer_step_f64
    end interface
    interface gdopt_optimizer_check
        module procedure optimizer_check_f32, optimizer_check_f64
    end interface
    interface gdopt_sgd_update
        module procedure sgd_update_f32, sgd_update_f64
    end interface
    interface gdopt_adagrad_update
        module procedure adagrad_update_f32, adagrad_update_f64
    end interface
    interface gdopt_rmsprop_update
        module procedure rmsprop_update_f32, rmsprop_update_f64
    end interface
    interface gdopt_adam_update
        module procedure adam_update_f32, adam_update_f64
    end interface
    interface gdopt_lion_update
        module procedure lion_update_f32, lion_update_f64
    end interface
    interface gdopt_adamax_update
        module procedure adamax_update_f32, adamax_update_f64
    end interface
    interface gdopt_adadelta_update
        module procedure adadelta_update_f32, adadelta_update_f64
    end interface
    interface gdopt_rprop_update
        module procedure rprop_update_f32, rprop_update_f64
    end interface
    interface gdopt_nadam_update
        module procedure nadam_update_f32, nadam_update_f64
    end interface
    interface gdopt_radam_update
        module procedure radam_update_f32, radam_update_f64
    end interface
    interface gdopt_asgd_update
        module procedure asgd_update_f32, asgd_update_f64
    end interface
    interface gdopt_adafactor_update
        module procedure adafactor_update_f32, adafactor_update_f64
    end interface

    ! The C functions. Arrays are passed as c_ptr: the wrappers check them and take c_loc.
    interface
        function c_strlen(s) bind(c, name='strlen') result(n)
            import :: c_ptr, c_size_t
            type(c_ptr), value :: s
            integer(c_size_t) :: n
        end function
        subroutine c_fail(text, len) bind(c, name='gdoptf_fail')
            import :: c_char, c_size_t
            character(kind=c_char), intent(in) :: text(*)
            integer(c_size_t), value :: len
        end subroutine
        subroutine c_library_failed() bind(c, name='gdoptf_library_failed')
        end subroutine
        function c_last_error() bind(c, name='gdoptf_last_error') result(s)
            import :: c_ptr
            type(c_ptr) :: s
        end function
        function c_version() bind(c, name='gdopt_version') result(s)
            import :: c_ptr
            type(c_ptr) :: s
        end function
        function c_abi_version() bind(c, name='gdopt_abi_version') result(v)
            import :: c_int
            integer(c_int) :: v
        end function
        function c_status_name(status) bind(c, name='gdopt_status_name') result(s)
            import :: c_ptr, c_int32_t
            integer(c_int32_t), value :: status
            type(c_ptr) :: s
        end function
        function c_set_num_threads(k) bind(c, name='gdopt_set_num_threads') result(status)
            import :: c_int, c_int32_t
            integer(c_int), value :: k
            integer(c_int32_t) :: status
        end function

        function c_optimizer_create(kind, out) bind(c, name='gdopt_optimizer_create') result(status)
            import :: c_char, c_ptr, c_int32_t
            character(kind=c_char), intent(in) :: kind(*)
            type(c_ptr), intent(out) :: out
            integer(c_int32_t) :: status
        end function
        function c_optimizer_set(o, name, value) bind(c, name='gdopt_optimizer_set') result(status)
            import :: c_char, c_ptr, c_int32_t, c_double
            type(c_ptr), value :: o
            character(kind=c_char), intent(in) :: name(*)
            real(c_double), value :: value
            integer(c_int32_t) :: status
        end function
        function c_optimizer_get(o, name, value) bind(c, name='gdopt_optimizer_get') result(status)
            import :: c_char, c_ptr, c_int32_t, c_double
            type(c_ptr), value :: o
            character(kind=c_char), intent(in) :: name(*)
            real(c_double), intent(out) :: value
            integer(c_int32_t) :: status
        end function

        function c_shuffle(seed, epoch, perm, n) bind(c, name='gdopt_shuffle') result(status)
            import :: c_int64_t, c_size_t, c_int32_t
            integer(c_int64_t), value :: seed, epoch
            integer(c_size_t), intent(out) :: perm(*)
            integer(c_size_t), value :: n
            integer(c_int32_t) :: status
        end function

        function c_schedule_lr(s, step, lr) bind(c, name='gdopt_schedule_lr') result(status)
            import :: c_ptr, c_int64_t, c_double, c_int32_t
            type(c_ptr), value :: s
            integer(c_int64_t), value :: step
            real(c_double), intent(out) :: lr
            integer(c_int32_t) :: status
        end function
        function c_schedule_observe(s, metric) bind(c, name='gdopt_schedule_observe') result(status)
            import :: c_ptr, c_double, c_int32_t
            type(c_ptr), value :: s
            real(c_double), value :: metric
            integer(c_int32_t) :: status
        end function

        function c_numerical_gradient(f, data, x, n, h, grad_out) bind(c, name='gdopt_numerical_gradient') &
            result(status)
            import :: c_funptr, c_ptr, c_size_t, c_double, c_int32_t
            type(c_funptr), value :: f
            type(c_ptr), value :: data, x, grad_out
            integer(c_size_t), value :: n
            real(c_double), value :: h
            integer(c_int32_t) :: status
        end function
        function c_gradcheck(f, data, x, n, h, res) bind(c, name='gdopt_gradcheck') result(status)
            import :: c_funptr, c_ptr, c_size_t, c_double, c_int32_t, gdopt_gradcheck_result
            type(c_funptr), value :: f
            type(c_ptr), value :: data, x
            integer(c_size_t), value :: n
            real(c_double), value :: h
            type(gdopt_gradcheck_result), intent(out) :: res
            integer(c_int32_t) :: status
        end function

        function c_solver_set_bounds(s, lower, upper, n) bind(c, name='gdopt_solver_set_bounds') result(status)
            import :: c_ptr, c_size_t, c_int32_t
            type(c_ptr), value :: s, lower, upper
            integer(c_size_t), value :: n
            integer(c_int32_t) :: status
        end function
        function c_solver_set_progress(s, cb, data) bind(c, name='gdopt_solver_set_progress') result(status)
            import :: c_ptr, c_funptr, c_int32_t
            type(c_ptr), value :: s, data
            type(c_funptr), value :: cb
            integer(c_int32_t) :: status
        end function
        function c_solver_minimize(s, f, data, x, n, res) bind(c, name='gdopt_solver_minimize') result(status)
            import :: c_ptr, c_funptr, c_size_t, c_int32_t, gdopt_result
            type(c_ptr), value :: s, data, x
            type(c_funptr), value :: f
            integer(c_size_t), value :: n
            type(gdopt_result), intent(out) :: res
            integer(c_int32_t) :: status
        end function
        function c_solver_begin(s, x0, n) bind(c, name='gdopt_solver_begin') result(status)
            import :: c_ptr, c_size_t, c_int32_t
            type(c_ptr), value :: s, x0
            integer(c_size_t), value :: n
            integer(c_int32_t) :: status
        end function
        function c_solver_ask(s, x, n, task) bind(c, name='gdopt_solver_ask') result(status)
            import :: c_ptr, c_size_t, c_int32_t
            type(c_ptr), value :: s, x
            integer(c_size_t), value :: n
            integer(c_int32_t), intent(out) :: task
            integer(c_int32_t) :: status
        end function
        function c_solver_tell(s, f, grad, n) bind(c, name='gdopt_solver_tell') result(status)
            import :: c_ptr, c_size_t, c_int32_t, c_double
            type(c_ptr), value :: s, grad
            real(c_double), value :: f
            integer(c_size_t), value :: n
            integer(c_int32_t) :: status
        end function
        function c_solver_result(s, res) bind(c, name='gdopt_solver_result') result(status)
            import :: c_ptr, c_int32_t, gdopt_result
            type(c_ptr), value :: s
            type(gdopt_result), intent(out) :: res
            integer(c_int32_t) :: status
        end function
        function c_solver_dimension(s, n) bind(c, name='gdopt_solver_dimension') result(status)
            import :: c_ptr, c_size_t, c_int32_t
            type(c_ptr), value :: s
            integer(c_size_t), intent(out) :: n
            integer(c_int32_t) :: status
        end function
    end interface

    ! Signatures that several C functions share.
    abstract interface
        function c_optimizer_step(o, slot, params, grads, n) bind(c) result(status)
            import :: c_ptr, c_size_t, c_int32_t
            type(c_ptr), value :: o, params, grads
            integer(c_size_t), value :: slot, n
            integer(c_int32_t) :: status
        end function
        function c_adafactor_update(p, g, row_var, col_var, variance, n, rows, cols, t, lr, beta2_decay, eps1, eps2, &
                                    d, weight_decay, maximize) bind(c) result(status)
            import :: c_ptr, c_size_t, c_int64_t, c_double, c_int, c_int32_t
            type(c_ptr), value :: p, g, row_var, col_var, variance
            integer(c_size_t), value :: n, rows, cols
            integer(c_int64_t), value :: t
            real(c_double), value :: lr, beta2_decay, eps1, eps2, d, weight_decay
            integer(c_int), value :: maximize
            integer(c_int32_t) :: status
        end function
        function c_optimizer_handle(o) bind(c) result(status)
            import :: c_ptr, c_int32_t
            type(c_ptr), value :: o
            integer(c_int32_t) :: status
        end function
        function c_optimizer_path(o, path) bind(c) result(status)
            import :: c_ptr, c_char, c_int32_t
            type(c_ptr), value :: o
            character(kind=c_char), intent(in) :: path(*)
            integer(c_int32_t) :: status
        end function
        subroutine c_destroy(handle) bind(c)
            import :: c_ptr
            type(c_ptr), value :: handle
        end subroutine
        function c_sgd_update(p, g, buf, n, t, lr, momentum, dampening, weight_decay, nesterov, maximize) &
            bind(c) result(status)
            import :: c_ptr, c_size_t, c_int64_t, c_double, c_int, c_int32_t
            type(c_ptr), value :: p, g, buf
            integer(c_size_t), value :: n
            integer(c_int64_t), value :: t
            real(c_double), value :: lr, momentum, dampening, weight_decay
            integer(c_int), value :: nesterov, maximize
            integer(c_int32_t) :: status
        end function
        function c_adagrad_update(p, g, sum, n, t, lr, lr_decay, weight_decay, eps, maximize) bind(c) result(status)
            import :: c_ptr, c_size_t, c_int64_t, c_double, c_int, c_int32_t
            type(c_ptr), value :: p, g, sum
            integer(c_size_t), value :: n
            integer(c_int64_t), value :: t
            real(c_double), value :: lr, lr_decay, weight_decay, eps
            integer(c_int), value :: maximize
            integer(c_int32_t) :: status
        end function
        function c_rmsprop_update(p, g, square_avg, grad_avg, momentum_buf, n, lr, alpha, eps, weight_decay, &
                                  momentum, centered, maximize) bind(c) result(status)
            import :: c_ptr, c_size_t, c_double, c_int, c_int32_t
            type(c_ptr), value :: p, g, square_avg, grad_avg, momentum_buf
            integer(c_size_t), value :: n
            real(c_double), value :: lr, alpha, eps, weight_decay, momentum
            integer(c_int), value :: centered, maximize
            integer(c_int32_t) :: status
        end function
        function c_adamax_update(p, g, exp_avg, exp_inf, n, t, lr, beta1, beta2, eps, weight_decay, maximize) &
            bind(c) result(status)
            import :: c_ptr, c_size_t, c_int64_t, c_double, c_int, c_int32_t
            type(c_ptr), value :: p, g, exp_avg, exp_inf
            integer(c_size_t), value :: n
            integer(c_int64_t), value :: t
            real(c_double), value :: lr, beta1, beta2, eps, weight_decay
            integer(c_int), value :: maximize
            integer(c_int32_t) :: status
        end function
        function c_adadelta_update(p, g, square_avg, acc_delta, n, lr, rho, eps, weight_decay, maximize) bind(c) &
            result(status)
            import :: c_ptr, c_size_t, c_double, c_int, c_int32_t
            type(c_ptr), value :: p, g, square_avg, acc_delta
            integer(c_size_t), value :: n
            real(c_double), value :: lr, rho, eps, weight_decay
            integer(c_int), value :: maximize
            integer(c_int32_t) :: status
        end function
        function c_rprop_update(p, g, prev, step_size, n, eta_minus, eta_plus, step_size_min, step_size_max, &
                                maximize) bind(c) result(status)
            import :: c_ptr, c_size_t, c_double, c_int, c_int32_t
            type(c_ptr), value :: p, g, prev, step_size
            integer(c_size_t), value :: n
            real(c_double), value :: eta_minus, eta_plus, step_size_min, step_size_max
            integer(c_int), value :: maximize
            integer(c_int32_t) :: status
        end function
        function c_nadam_update(p, g, exp_avg, exp_avg_sq, mu_product, n, t, lr, beta1, beta2, eps, weight_decay, &
                                momentum_decay, decoupled_weight_decay, maximize) bind(c) result(status)
            import :: c_ptr, c_size_t, c_int64_t, c_double, c_int, c_int32_t
            type(c_ptr), value :: p, g, exp_avg, exp_avg_sq
            real(c_double), intent(inout) :: mu_product
            integer(c_size_t), value :: n
            integer(c_int64_t), value :: t
            real(c_double), value :: lr, beta1, beta2, eps, weight_decay, momentum_decay
            integer(c_int), value :: decoupled_weight_decay, maximize
            integer(c_int32_t) :: status
        end function
        function c_radam_update(p, g, exp_avg, exp_avg_sq, n, t, lr, beta1, beta2, eps, weight_decay, &
                                decoupled_weight_decay, maximize) bind(c) result(status)
            import :: c_ptr, c_size_t, c_int64_t, c_double, c_int, c_int32_t
            type(c_ptr), value :: p, g, exp_avg, exp_avg_sq
            integer(c_size_t), value :: n
            integer(c_int64_t), value :: t
            real(c_double), value :: lr, beta1, beta2, eps, weight_decay
            integer(c_int), value :: decoupled_weight_decay, maximize
            integer(c_int32_t) :: status
        end function
        function c_asgd_update(p, g, ax, eta, mu, n, t, lr, lambd, alpha, t0, weight_decay, maximize) bind(c) &
            result(status)
            import :: c_ptr, c_size_t, c_int64_t, c_double, c_int, c_int32_t
            type(c_ptr), value :: p, g, ax
            real(c_double), intent(inout) :: eta, mu
            integer(c_size_t), value :: n
            integer(c_int64_t), value :: t
            real(c_double), value :: lr, lambd, alpha, t0, weight_decay
            integer(c_int), value :: maximize
            integer(c_int32_t) :: status
        end function
        function c_lion_update(p, g, exp_avg, n, lr, beta1, beta2, weight_decay, maximize) bind(c) result(status)
            import :: c_ptr, c_size_t, c_double, c_int, c_int32_t
            type(c_ptr), value :: p, g, exp_avg
            integer(c_size_t), value :: n
            real(c_double), value :: lr, beta1, beta2, weight_decay
            integer(c_int), value :: maximize
            integer(c_int32_t) :: status
        end function
        function c_adam_update(p, g, m, v, vmax, n, t, lr, beta1, beta2, eps, weight_decay, flags) bind(c) &
            result(status)
            import :: c_ptr, c_size_t, c_int64_t, c_double, c_int, c_int32_t
            type(c_ptr), value :: p, g, m, v, vmax
            integer(c_size_t), value :: n
            integer(c_int64_t), value :: t
            real(c_double), value :: lr, beta1, beta2, eps, weight_decay
            integer(c_int), value :: flags
            integer(c_int32_t) :: status
        end function
    end interface

    ! The C functions that share a signature, bound to their C names through one interface.
    procedure(c_optimizer_create), bind(c, name='gdopt_solver_create') :: c_solver_create
    procedure(c_optimizer_create), bind(c, name='gdopt_schedule_create') :: c_schedule_create
    procedure(c_optimizer_set), bind(c, name='gdopt_solver_set') :: c_solver_set
    procedure(c_optimizer_set), bind(c, name='gdopt_schedule_set') :: c_schedule_set
    procedure(c_optimizer_get), bind(c, name='gdopt_solver_get') :: c_solver_get
    procedure(c_optimizer_get), bind(c, name='gdopt_schedule_get') :: c_schedule_get
    procedure(c_optimizer_step), bind(c, name='gdopt_optimizer_step_f32') :: c_optimizer_step_f32
    procedure(c_optimizer_step), bind(c, name='gdopt_optimizer_step_f64') :: c_optimizer_step_f64
    procedure(c_optimizer_step), bind(c, name='gdopt_optimizer_check_f32') :: c_optimizer_check_f32
    procedure(c_optimizer_step), bind(c, name='gdopt_optimizer_check_f64') :: c_optimizer_check_f64
    procedure(c_optimizer_handle), bind(c, name='gdopt_optimizer_reset') :: c_optimizer_reset
    procedure(c_adafactor_update), bind(c, name='gdopt_adafactor_update_f32') :: c_adafactor_update_f32
    procedure(c_adafactor_update), bind(c, name='gdopt_adafactor_update_f64') :: c_adafactor_update_f64

    ! Declared here rather than through the abstract interfaces: gfortran 12 stops with an internal
    ! error on procedure(...), bind(c, name='gdopt_optimizer_set_shape').
    interface
        function c_optimizer_set_shape(o, slot, rows, cols) bind(c, name='gdopt_optimizer_set_shape') result(status)
            import :: c_ptr, c_size_t, c_int32_t
            type(c_ptr), value :: o
            integer(c_size_t), value :: slot, rows, cols
            integer(c_int32_t) :: status
        end function
    end interface
    procedure(c_optimizer_handle), bind(c, name='gdopt_solver_stop') :: c_solver_stop
    procedure(c_optimizer_path), bind(c, name='gdopt_optimizer_save') :: c_optimizer_save
    procedure(c_optimizer_path), bind(c, name='gdopt_optimizer_load') :: c_optimizer_load
    procedure(c_optimizer_path), bind(c, name='gdopt_solver_save') :: c_solver_save
    procedure(c_optimizer_path), bind(c, name='gdopt_solver_load') :: c_solver_load
    procedure(c_destroy), bind(c, name='gdopt_optimizer_destroy') :: c_optimizer_destroy
    procedure(c_destroy), bind(c, name='gdopt_solver_destroy') :: c_solver_destroy
    procedure(c_destroy), bind(c, name='gdopt_schedule_destroy') :: c_schedule_destroy
    procedure(c_sgd_update), bind(c, name='gdopt_sgd_update_f32') :: c_sgd_update_f32
    procedure(c_sgd_update), bind(c, name='gdopt_sgd_update_f64') :: c_sgd_update_f64
    procedure(c_adagrad_update), bind(c, name='gdopt_adagrad_update_f32') :: c_adagrad_update_f32
    procedure(c_adagrad_update), bind(c, name='gdopt_adagrad_update_f64') :: c_adagrad_update_f64
    procedure(c_rmsprop_update), bind(c, name='gdopt_rmsprop_update_f32') :: c_rmsprop_update_f32
    procedure(c_rmsprop_update), bind(c, name='gdopt_rmsprop_update_f64') :: c_rmsprop_update_f64
    procedure(c_adam_update), bind(c, name='gdopt_adam_update_f32') :: c_adam_update_f32
    procedure(c_adam_update), bind(c, name='gdopt_adam_update_f64') :: c_adam_update_f64
    procedure(c_lion_update), bind(c, name='gdopt_lion_update_f32') :: c_lion_update_f32
    procedure(c_lion_update), bind(c, name='gdopt_lion_update_f64') :: c_lion_update_f64
    procedure(c_adamax_update), bind(c, name='gdopt_adamax_update_f32') :: c_adamax_update_f32
    procedure(c_adamax_update), bind(c, name='gdopt_adamax_update_f64') :: c_adamax_update_f64
    procedure(c_adadelta_update), bind(c, name='gdopt_adadelta_update_f32') :: c_adadelta_update_f32
    procedure(c_adadelta_update), bind(c, name='gdopt_adadelta_update_f64') :: c_adadelta_update_f64
    procedure(c_rprop_update), bind(c, name='gdopt_rprop_update_f32') :: c_rprop_update_f32
    procedure(c_rprop_update), bind(c, name='gdopt_rprop_update_f64') :: c_rprop_update_f64
    procedure(c_nadam_update), bind(c, name='gdopt_nadam_update_f32') :: c_nadam_update_f32
    procedure(c_nadam_update), bind(c, name='gdopt_nadam_update_f64') :: c_nadam_update_f64
    procedure(c_radam_update), bind(c, name='gdopt_radam_update_f32') :: c_radam_update_f32
    procedure(c_radam_update), bind(c, name='gdopt_radam_update_f64') :: c_radam_update_f64
    procedure(c_asgd_update), bind(c, name='gdopt_asgd_update_f32') :: c_asgd_update_f32
    procedure(c_asgd_update), bind(c, name='gdopt_asgd_update_f64') :: c_asgd_update_f64

contains

    ! ---- Library ------------------------------------------------------------------------

    function gdopt_version() result(s)
        character(:), allocatable :: s
        s = from_c(c_version())
    end function

    integer function gdopt_abi_version()
        gdopt_abi_version = int(c_abi_version())
    end function

    function gdopt_status_name(status) result(s)
        integer, intent(in) :: status
        character(:), allocatable :: s
        s = from_c(c_status_name(int(status, c_int32_t)))
    end function

    !> The message of the calling thread's last failed call, the binding's own refusals included.
    function gdopt_last_error() result(s)
        character(:), allocatable :: s
        s = from_c(c_last_error())
    end function

    integer function gdopt_set_num_threads(k) result(status)
        integer, intent(in) :: k
        status = done(c_set_num_threads(int(k, c_int)))
    end function

    ! ---- Optimizers ---------------------------------------------------------------------

    integer function gdopt_optimizer_create(kind, opt) result(status)
        character(*), intent(in) :: kind
        type(gdopt_optimizer), intent(out) :: opt
        status = done(c_optimizer_create(c_str(kind), opt%handle))
    end function

    integer function gdopt_optimizer_set(opt, name, value) result(status)
        type(gdopt_optimizer), intent(in) :: opt
        character(*), intent(in) :: name
        real(real64), intent(in) :: value
        status = done(c_optimizer_set(opt%handle, c_str(name), value))
    end function

    integer function gdopt_optimizer_get(opt, name, value) result(status)
        type(gdopt_optimizer), intent(in) :: opt
        character(*), intent(in) :: name
        real(real64), intent(out) :: value
        status = done(c_optimizer_get(opt%handle, c_str(name), value))
    end function

    integer function optimizer_step_f32(opt, slot, params, grads) result(status)
        type(gdopt_optimizer), intent(in) :: opt
        integer, intent(in) :: slot
        real(real32), intent(inout), target :: params(..)
        real(real32), intent(in), target :: grads(..)
        status = checked('gdopt_optimizer_step_f32', [character(6) :: 'params', 'grads'], params, grads)
        if (status == GDOPT_OK) status = slot_call(c_optimizer_step_f32, opt, slot, c_loc(params), c_loc(grads), &
                                                   size(params, kind=c_size_t))
    end function

    integer function optimizer_step_f64(opt, slot, params, grads) result(status)
        type(gdopt_optimizer), intent(in) :: opt
        integer, intent(in) :: slot
        real(real64), intent(inout), target :: params(..)
        real(real64), intent(in), target :: grads(..)
        status = checked('gdopt_optimizer_step_f64', [character(6) :: 'params', 'grads'], params, grads)
        if (status == GDOPT_OK) status = slot_call(c_optimizer_step_f64, opt, slot, c_loc(params), c_loc(grads), &
                                                   size(params, kind=c_size_t))
    end function

    integer function optimizer_check_f32(opt, slot, params, grads) result(status)
        type(gdopt_optimizer), intent(in) :: opt
        integer, intent(in) :: slot
        real(real32), intent(in), target :: params(..), grads(..)
        status = checked('gdopt_optimizer_check_f32', [character(6) :: 'params', 'grads'], params, grads)
        if (status == GDOPT_OK) status = slot_call(c_optimizer_check_f32, opt, slot, c_loc(params), c_loc(grads), &
                                                   size(params, kind=c_size_t))
    end function

    integer function optimizer_check_f64(opt, slot, params, grads) result(status)
        type(gdopt_optimizer), intent(in) :: opt
        integer, intent(in) :: slot
        real(real64), intent(in), target :: params(..), grads(..)
        status = checked('gdopt_optimizer_check_f64', [character(6) :: 'params', 'grads'], params, grads)
        if (status == GDOPT_OK) status = slot_call(c_optimizer_check_f64, opt, slot, c_loc(params), c_loc(grads), &
                                                   size(params, kind=c_size_t))
    end function

    integer function gdopt_optimizer_reset(opt) result(status)
        type(gdopt_optimizer), intent(in) :: opt
        status = done(c_optimizer_reset(opt%handle))
    end function

    !> A slot's rows x cols shape (C order: rows of cols contiguous elements) before its first
    !> step: adafactor then keeps row and column factors for it. The other kinds ignore it.
    integer function gdopt_optimizer_set_shape(opt, slot, rows, cols) result(status)
        type(gdopt_optimizer), intent(in) :: opt
        integer, intent(in) :: slot
        integer(c_size_t), intent(in) :: rows, cols
        status = done(c_optimizer_set_shape(opt%handle, int(slot, c_size_t), rows, cols))
    end function

    integer function gdopt_optimizer_save(opt, path) result(status)
        type(gdopt_optimizer), intent(in) :: opt
        character(*), intent(in) :: path
        status = done(c_optimizer_save(opt%handle, c_str(path)))
    end function

    integer function gdopt_optimizer_load(opt, path) result(status)
        type(gdopt_optimizer), intent(in) :: opt
        character(*), intent(in) :: path
        status = done(c_optimizer_load(opt%handle, c_str(path)))
    end function

    subroutine gdopt_optimizer_destroy(opt)
        type(gdopt_optimizer), intent(inout) :: opt
        call c_optimizer_destroy(opt%handle)
        opt%handle = c_null_ptr
    end subroutine

    ! ---- Stateless kernels (gdopt.h's equations; the NULL-able buffers are optional, last)

    integer function sgd_update_f32(p, g, t, lr, momentum, dampening, weight_decay, nesterov, maximize, &
                                    momentum_buf) result(status)
        real(real32), intent(inout), target :: p(..)
        real(real32), intent(in), target :: g(..)
        integer(int64), intent(in) :: t
        real(real64), intent(in) :: lr, momentum, dampening, weight_decay
        logical, intent(in) :: nesterov, maximize
        real(real32), intent(inout), target, optional :: momentum_buf(..)
        status = checked('gdopt_sgd_update_f32', [character(12) :: 'p', 'g', 'momentum_buf'], p, g, momentum_buf)
        if (status == GDOPT_OK) status = done(c_sgd_update_f32(c_loc(p), c_loc(g), loc_or_null(momentum_buf), &
            size(p, kind=c_size_t), t, lr, momentum, dampening, weight_decay, c_flag(nesterov), c_flag(maximize)))
    end function

    integer function sgd_update_f64(p, g, t, lr, momentum, dampening, weight_decay, nesterov, maximize, &
                                    momentum_buf) result(status)
        real(real64), intent(inout), target :: p(..)
        real(real64), intent(in), target :: g(..)
        integer(int64), intent(in) :: t
        real(real64), intent(in) :: lr, momentum, dampening, weight_decay
        logical, intent(in) :: nesterov, maximize
        real(real64), intent(inout), target, optional :: momentum_buf(..)
        status = checked('gdopt_sgd_update_f64', [character(12) :: 'p', 'g', 'momentum_buf'], p, g, momentum_buf)
        if (status == GDOPT_OK) status = done(c_sgd_update_f64(c_loc(p), c_loc(g), loc_or_null(momentum_buf), &
            size(p, kind=c_size_t), t, lr, momentum, dampening, weight_decay, c_flag(nesterov), c_flag(maximize)))
    end function

    integer function adagrad_update_f32(p, g, sum, t, lr, lr_decay, weight_decay, eps, maximize) result(status)
        real(real32), intent(inout), target :: p(..), sum(..)
        real(real32), intent(in), target :: g(..)
        integer(int64), intent(in) :: t
        real(real64), intent(in) :: lr, lr_decay, weight_decay, eps
        logical, intent(in) :: maximize
        status = checked('gdopt_adagrad_update_f32', [character(3) :: 'p', 'g', 'sum'], p, g, sum)
        if (status == GDOPT_OK) status = done(c_adagrad_update_f32(c_loc(p), c_loc(g), c_loc(sum), &
            size(p, kind=c_size_t), t, lr, lr_decay, weight_decay, eps, c_flag(maximize)))
    end function

    integer function adagrad_update_f64(p, g, sum, t, lr, lr_decay, weight_decay, eps, maximize) result(status)
        real(real64), intent(inout), target :: p(..), sum(..)
        real(real64), intent(in), target :: g(..)
        integer(int64), intent(in) :: t
        real(real64), intent(in) :: lr, lr_decay, weight_decay, eps
        logical, intent(in) :: maximize
        status = checked('gdopt_adagrad_update_f64', [character(3) :: 'p', 'g', 'sum'], p, g, sum)
        if (status == GDOPT_OK) status = done(c_adagrad_update_f64(c_loc(p), c_loc(g), c_loc(sum), &
            size(p, kind=c_size_t), t, lr, lr_decay, weight_decay, eps, c_flag(maximize)))
    end function

    integer function rmsprop_update_f32(p, g, square_avg, lr, alpha, eps, weight_decay, momentum, centered, maximize, &
                                        grad_avg, momentum_buf) result(status)
        real(real32), intent(inout), target :: p(..), square_avg(..)
        real(real32), intent(in), target :: g(..)
        real(real64), intent(in) :: lr, alpha, eps, weight_decay, momentum
        logical, intent(in) :: centered, maximize
        real(real32), intent(inout), target, optional :: grad_avg(..), momentum_buf(..)
        status = checked('gdopt_rmsprop_update_f32', [character(12) :: 'p', 'g', 'square_avg', 'grad_avg', &
                         'momentum_buf'], p, g, square_avg, grad_avg, momentum_buf)
        if (status == GDOPT_OK) status = done(c_rmsprop_update_f32(c_loc(p), c_loc(g), c_loc(square_avg), &
            loc_or_null(grad_avg), loc_or_null(momentum_buf), size(p, kind=c_size_t), lr, alpha, eps, weight_decay, &
            momentum, c_flag(centered), c_flag(maximize)))
    end function

    integer function rmsprop_update_f64(p, g, square_avg, lr, alpha, eps, weight_decay, momentum, centered, maximize, &
                                        grad_avg, momentum_buf) result(status)
        real(real64), intent(inout), target :: p(..), square_avg(..)
        real(real64), intent(in), target :: g(..)
        real(real64), intent(in) :: lr, alpha, eps, weight_decay, momentum
        logical, intent(in) :: centered, maximize
        real(real64), intent(inout), target, optional :: grad_avg(..), momentum_buf(..)
        status = checked('gdopt_rmsprop_update_f64', [character(12) :: 'p', 'g', 'square_avg', 'grad_avg', &
                         'momentum_buf'], p, g, square_avg, grad_avg, momentum_buf)
        if (status == GDOPT_OK) status = done(c_rmsprop_update_f64(c_loc(p), c_loc(g), c_loc(square_avg), &
            loc_or_null(grad_avg), loc_or_null(momentum_buf), size(p, kind=c_size_t), lr, alpha, eps, weight_decay, &
            momentum, c_flag(centered), c_flag(maximize)))
    end function

    !> flags: GDOPT_ADAM_DECOUPLED, GDOPT_ADAM_AMSGRAD and GDOPT_ADAM_MAXIMIZE, added.
    integer function adam_update_f32(p, g, m, v, t, lr, beta1, beta2, eps, weight_decay, flags, vmax) result(status)
        real(real32), intent(inout), target :: p(..), m(..), v(..)
        real(real32), intent(in), target :: g(..)
        integer(int64), intent(in) :: t
        real(real64), intent(in) :: lr, beta1, beta2, eps, weight_decay
        integer, intent(in) :: flags
        real(real32), intent(inout), target, optional :: vmax(..)
        status = checked('gdopt_adam_update_f32', [character(4) :: 'p', 'g', 'm', 'v', 'vmax'], p, g, m, v, vmax)
        if (status == GDOPT_OK) status = done(c_adam_update_f32(c_loc(p), c_loc(g), c_loc(m), c_loc(v), &
            loc_or_null(vmax), size(p, kind=c_size_t), t, lr, beta1, beta2, eps, weight_decay, int(flags, c_int)))
    end function

    integer function adam_update_f64(p, g, m, v, t, lr, beta1, beta2, eps, weight_decay, flags, vmax) result(status)
        real(real64), intent(inout), target :: p(..), m(..), v(..)
        real(real64), intent(in), target :: g(..)
        integer(int64), intent(in) :: t
        real(real64), intent(in) :: lr, beta1, beta2, eps, weight_decay
        integer, intent(in) :: flags
        real(real64), intent(inout), target, optional :: vmax(..)
        status = checked('gdopt_adam_update_f64', [character(4) :: 'p', 'g', 'm', 'v', 'vmax'], p, g, m, v, vmax)
        if (status == GDOPT_OK) status = done(c_adam_update_f64(c_loc(p), c_loc(g), c_loc(m), c_loc(v), &
            loc_or_null(vmax), size(p, kind=c_size_t), t, lr, beta1, beta2, eps, weight_decay, int(flags, c_int)))
    end function

    integer function lion_update_f32(p, g, exp_avg, lr, beta1, beta2, weight_decay, maximize) result(status)
        real(real32), intent(inout), target :: p(..), exp_avg(..)
        real(real32), intent(in), target :: g(..)
        real(real64), intent(in) :: lr, beta1, beta2, weight_decay
        logical, intent(in) :: maximize
        status = checked('gdopt_lion_update_f32', [character(7) :: 'p', 'g', 'exp_avg'], p, g, exp_avg)
        if (status == GDOPT_OK) status = done(c_lion_update_f32(c_loc(p), c_loc(g), c_loc(exp_avg), &
            size(p, kind=c_size_t), lr, beta1, beta2, weight_decay, c_flag(maximize)))
    end function

    integer function lion_update_f64(p, g, exp_avg, lr, beta1, beta2, weight_decay, maximize) result(status)
        real(real64), intent(inout), target :: p(..), exp_avg(..)
        real(real64), intent(in), target :: g(..)
        real(real64), intent(in) :: lr, beta1, beta2, weight_decay
        logical, intent(in) :: maximize
        status = checked('gdopt_lion_update_f64', [character(7) :: 'p', 'g', 'exp_avg'], p, g, exp_avg)
        if (status == GDOPT_OK) status = done(c_lion_update_f64(c_loc(p), c_loc(g), c_loc(exp_avg), &
            size(p, kind=c_size_t), lr, beta1, beta2, weight_decay, c_flag(maximize)))
    end function

    integer function adamax_update_f32(p, g, exp_avg, exp_inf, t, lr, beta1, beta2, eps, weight_decay, maximize) &
        result(status)
        real(real32), intent(inout), target :: p(..), exp_avg(..), exp_inf(..)
        real(real32), intent(in), target :: g(..)
        integer(int64), intent(in) :: t
        real(real64), intent(in) :: lr, beta1, beta2, eps, weight_decay
        logical, intent(in) :: maximize
        status = checked('gdopt_adamax_update_f32', [character(7) :: 'p', 'g', 'exp_avg', 'exp_inf'], p, g, exp_avg, &
                         exp_inf)
        if (status == GDOPT_OK) status = done(c_adamax_update_f32(c_loc(p), c_loc(g), c_loc(exp_avg), c_loc(exp_inf), &
            size(p, kind=c_size_t), t, lr, beta1, beta2, eps, weight_decay, c_flag(maximize)))
    end function

    integer function adamax_update_f64(p, g, exp_avg, exp_inf, t, lr, beta1, beta2, eps, weight_decay, maximize) &
        result(status)
        real(real64), intent(inout), target :: p(..), exp_avg(..), exp_inf(..)
        real(real64), intent(in), target :: g(..)
        integer(int64), intent(in) :: t
        real(real64), intent(in) :: lr, beta1, beta2, eps, weight_decay
        logical, intent(in) :: maximize
        status = checked('gdopt_adamax_update_f64', [character(7) :: 'p', 'g', 'exp_avg', 'exp_inf'], p, g, exp_avg, &
                         exp_inf)
        if (status == GDOPT_OK) status = done(c_adamax_update_f64(c_loc(p), c_loc(g), c_loc(exp_avg), c_loc(exp_inf), &
            size(p, kind=c_size_t), t, lr, beta1, beta2, eps, weight_decay, c_flag(maximize)))
    end function

    integer function adadelta_update_f32(p, g, square_avg, acc_delta, lr, rho, eps, weight_decay, maximize) &
        result(status)
        real(real32), intent(inout), target :: p(..), square_avg(..), acc_delta(..)
        real(real32), intent(in), target :: g(..)
        real(real64), intent(in) :: lr, rho, eps, weight_decay
        logical, intent(in) :: maximize
        status = checked('gdopt_adadelta_update_f32', [character(10) :: 'p', 'g', 'square_avg', 'acc_delta'], p, g, &
                         square_avg, acc_delta)
        if (status == GDOPT_OK) status = done(c_adadelta_update_f32(c_loc(p), c_loc(g), c_loc(square_avg), &
            c_loc(acc_delta), size(p, kind=c_size_t), lr, rho, eps, weight_decay, c_flag(maximize)))
    end function

    integer function adadelta_update_f64(p, g, square_avg, acc_delta, lr, rho, eps, weight_decay, maximize) &
        result(status)
        real(real64), intent(inout), target :: p(..), square_avg(..), acc_delta(..)
        real(real64), intent(in), target :: g(..)
        real(real64), intent(in) :: lr, rho, eps, weight_decay
        logical, intent(in) :: maximize
        status = checked('gdopt_adadelta_update_f64', [character(10) :: 'p', 'g', 'square_avg', 'acc_delta'], p, g, &
                         square_avg, acc_delta)
        if (status == GDOPT_OK) status = done(c_adadelta_update_f64(c_loc(p), c_loc(g), c_loc(square_avg), &
            c_loc(acc_delta), size(p, kind=c_size_t), lr, rho, eps, weight_decay, c_flag(maximize)))
    end function

    !> Start prev at 0 and step_size at the learning rate.
    integer function rprop_update_f32(p, g, prev, step_size, eta_minus, eta_plus, step_size_min, step_size_max, &
                                      maximize) result(status)
        real(real32), intent(inout), target :: p(..), prev(..), step_size(..)
        real(real32), intent(in), target :: g(..)
        real(real64), intent(in) :: eta_minus, eta_plus, step_size_min, step_size_max
        logical, intent(in) :: maximize
        status = checked('gdopt_rprop_update_f32', [character(9) :: 'p', 'g', 'prev', 'step_size'], p, g, prev, &
                         step_size)
        if (status == GDOPT_OK) status = done(c_rprop_update_f32(c_loc(p), c_loc(g), c_loc(prev), c_loc(step_size), &
            size(p, kind=c_size_t), eta_minus, eta_plus, step_size_min, step_size_max, c_flag(maximize)))
    end function

    integer function rprop_update_f64(p, g, prev, step_size, eta_minus, eta_plus, step_size_min, step_size_max, &
                                      maximize) result(status)
        real(real64), intent(inout), target :: p(..), prev(..), step_size(..)
        real(real64), intent(in), target :: g(..)
        real(real64), intent(in) :: eta_minus, eta_plus, step_size_min, step_size_max
        logical, intent(in) :: maximize
        status = checked('gdopt_rprop_update_f64', [character(9) :: 'p', 'g', 'prev', 'step_size'], p, g, prev, &
                         step_size)
        if (status == GDOPT_OK) status = done(c_rprop_update_f64(c_loc(p), c_loc(g), c_loc(prev), c_loc(step_size), &
            size(p, kind=c_size_t), eta_minus, eta_plus, step_size_min, step_size_max, c_flag(maximize)))
    end function

    !> mu_product starts at 1; it changes only when the call succeeds.
    integer function nadam_update_f32(p, g, exp_avg, exp_avg_sq, mu_product, t, lr, beta1, beta2, eps, &
                                      weight_decay, momentum_decay, decoupled_weight_decay, maximize) result(status)
        real(real32), intent(inout), target :: p(..), exp_avg(..), exp_avg_sq(..)
        real(real32), intent(in), target :: g(..)
        real(real64), intent(inout) :: mu_product
        integer(int64), intent(in) :: t
        real(real64), intent(in) :: lr, beta1, beta2, eps, weight_decay, momentum_decay
        logical, intent(in) :: decoupled_weight_decay, maximize
        status = checked('gdopt_nadam_update_f32', [character(10) :: 'p', 'g', 'exp_avg', 'exp_avg_sq'], p, g, &
                         exp_avg, exp_avg_sq)
        if (status == GDOPT_OK) status = done(c_nadam_update_f32(c_loc(p), c_loc(g), c_loc(exp_avg), &
            c_loc(exp_avg_sq), mu_product, size(p, kind=c_size_t), t, lr, beta1, beta2, eps, weight_decay, &
            momentum_decay, c_flag(decoupled_weight_decay), c_flag(maximize)))
    end function

    integer function nadam_update_f64(p, g, exp_avg, exp_avg_sq, mu_product, t, lr, beta1, beta2, eps, &
                                      weight_decay, momentum_decay, decoupled_weight_decay, maximize) result(status)
        real(real64), intent(inout), target :: p(..), exp_avg(..), exp_avg_sq(..)
        real(real64), intent(in), target :: g(..)
        real(real64), intent(inout) :: mu_product
        integer(int64), intent(in) :: t
        real(real64), intent(in) :: lr, beta1, beta2, eps, weight_decay, momentum_decay
        logical, intent(in) :: decoupled_weight_decay, maximize
        status = checked('gdopt_nadam_update_f64', [character(10) :: 'p', 'g', 'exp_avg', 'exp_avg_sq'], p, g, &
                         exp_avg, exp_avg_sq)
        if (status == GDOPT_OK) status = done(c_nadam_update_f64(c_loc(p), c_loc(g), c_loc(exp_avg), &
            c_loc(exp_avg_sq), mu_product, size(p, kind=c_size_t), t, lr, beta1, beta2, eps, weight_decay, &
            momentum_decay, c_flag(decoupled_weight_decay), c_flag(maximize)))
    end function

    integer function radam_update_f32(p, g, exp_avg, exp_avg_sq, t, lr, beta1, beta2, eps, weight_decay, &
                                      decoupled_weight_decay, maximize) result(status)
        real(real32), intent(inout), target :: p(..), exp_avg(..), exp_avg_sq(..)
        real(real32), intent(in), target :: g(..)
        integer(int64), intent(in) :: t
        real(real64), intent(in) :: lr, beta1, beta2, eps, weight_decay
        logical, intent(in) :: decoupled_weight_decay, maximize
        status = checked('gdopt_radam_update_f32', [character(10) :: 'p', 'g', 'exp_avg', 'exp_avg_sq'], p, g, &
                         exp_avg, exp_avg_sq)
        if (status == GDOPT_OK) status = done(c_radam_update_f32(c_loc(p), c_loc(g), c_loc(exp_avg), &
            c_loc(exp_avg_sq), size(p, kind=c_size_t), t, lr, beta1, beta2, eps, weight_decay, &
            c_flag(decoupled_weight_decay), c_flag(maximize)))
    end function

    integer function radam_update_f64(p, g, exp_avg, exp_avg_sq, t, lr, beta1, beta2, eps, weight_decay, &
                                      decoupled_weight_decay, maximize) result(status)
        real(real64), intent(inout), target :: p(..), exp_avg(..), exp_avg_sq(..)
        real(real64), intent(in), target :: g(..)
        integer(int64), intent(in) :: t
        real(real64), intent(in) :: lr, beta1, beta2, eps, weight_decay
        logical, intent(in) :: decoupled_weight_decay, maximize
        status = checked('gdopt_radam_update_f64', [character(10) :: 'p', 'g', 'exp_avg', 'exp_avg_sq'], p, g, &
                         exp_avg, exp_avg_sq)
        if (status == GDOPT_OK) status = done(c_radam_update_f64(c_loc(p), c_loc(g), c_loc(exp_avg), &
            c_loc(exp_avg_sq), size(p, kind=c_size_t), t, lr, beta1, beta2, eps, weight_decay, &
            c_flag(decoupled_weight_decay), c_flag(maximize)))
    end function

    !> eta and mu start at lr and 1; they change only when the call succeeds.
    integer function asgd_update_f32(p, g, ax, eta, mu, t, lr, lambd, alpha, t0, weight_decay, maximize) &
        result(status)
        real(real32), intent(inout), target :: p(..), ax(..)
        real(real32), intent(in), target :: g(..)
        real(real64), intent(inout) :: eta, mu
        integer(int64), intent(in) :: t
        real(real64), intent(in) :: lr, lambd, alpha, t0, weight_decay
        logical, intent(in) :: maximize
        status = checked('gdopt_asgd_update_f32', [character(2) :: 'p', 'g', 'ax'], p, g, ax)
        if (status == GDOPT_OK) status = done(c_asgd_update_f32(c_loc(p), c_loc(g), c_loc(ax), eta, mu, &
            size(p, kind=c_size_t), t, lr, lambd, alpha, t0, weight_decay, c_flag(maximize)))
    end function

    integer function asgd_update_f64(p, g, ax, eta, mu, t, lr, lambd, alpha, t0, weight_decay, maximize) &
        result(status)
        real(real64), intent(inout), target :: p(..), ax(..)
        real(real64), intent(in), target :: g(..)
        real(real64), intent(inout) :: eta, mu
        integer(int64), intent(in) :: t
        real(real64), intent(in) :: lr, lambd, alpha, t0, weight_decay
        logical, intent(in) :: maximize
        status = checked('gdopt_asgd_update_f64', [character(2) :: 'p', 'g', 'ax'], p, g, ax)
        if (status == GDOPT_OK) status = done(c_asgd_update_f64(c_loc(p), c_loc(g), c_loc(ax), eta, mu, &
            size(p, kind=c_size_t), t, lr, lambd, alpha, t0, weight_decay, c_flag(maximize)))
    end function

    !> rows = cols = 0: pass variance (as p). Otherwise p holds rows x cols in C order (a Fortran
    !> array a(cols, rows)): pass row_var (rows elements) and col_var (cols). eps1 = 0: the
    !> dtype's epsilon, as torch's None.
    integer function adafactor_update_f32(p, g, rows, cols, t, lr, beta2_decay, eps1, eps2, d, weight_decay, &
                                          maximize, row_var, col_var, variance) result(status)
        real(real32), intent(inout), target :: p(..)
        real(real32), intent(in), target :: g(..)
        integer(c_size_t), intent(in) :: rows, cols
        integer(int64), intent(in) :: t
        real(real64), intent(in) :: lr, beta2_decay, eps1, eps2, d, weight_decay
        logical, intent(in) :: maximize
        real(real32), intent(inout), target, optional :: row_var(:), col_var(:), variance(..)
        type(c_ptr) :: row_ptr, col_ptr, variance_ptr
        status = checked('gdopt_adafactor_update_f32', [character(1) :: 'p', 'g'], p, g)
        row_ptr = c_null_ptr
        col_ptr = c_null_ptr
        variance_ptr = c_null_ptr
        if (present(row_var) .and. status == GDOPT_OK) then
            status = checked('gdopt_adafactor_update_f32', [character(7) :: 'row_var'], row_var)
            if (status == GDOPT_OK .and. size(row_var, kind=c_size_t) /= rows) status = fail(GDOPT_ERR_SIZE, &
                'gdopt_adafactor_update_f32: row_var must have rows elements')
            if (status == GDOPT_OK) row_ptr = c_loc(row_var)
        end if
        if (present(col_var) .and. status == GDOPT_OK) then
            status = checked('gdopt_adafactor_update_f32', [character(7) :: 'col_var'], col_var)
            if (status == GDOPT_OK .and. size(col_var, kind=c_size_t) /= cols) status = fail(GDOPT_ERR_SIZE, &
                'gdopt_adafactor_update_f32: col_var must have cols elements')
            if (status == GDOPT_OK) col_ptr = c_loc(col_var)
        end if
        if (present(variance) .and. status == GDOPT_OK) then
            status = checked('gdopt_adafactor_update_f32', [character(8) :: 'p', 'variance'], p, variance)
            if (status == GDOPT_OK) variance_ptr = c_loc(variance)
        end if
        if (status == GDOPT_OK) status = done(c_adafactor_update_f32(c_loc(p), c_loc(g), row_ptr, col_ptr, &
            variance_ptr, size(p, kind=c_size_t), rows, cols, t, lr, beta2_decay, eps1, eps2, d, weight_decay, &
            c_flag(maximize)))
    end function

    integer function adafactor_update_f64(p, g, rows, cols, t, lr, beta2_decay, eps1, eps2, d, weight_decay, &
                                          maximize, row_var, col_var, variance) result(status)
        real(real64), intent(inout), target :: p(..)
        real(real64), intent(in), target :: g(..)
        integer(c_size_t), intent(in) :: rows, cols
        integer(int64), intent(in) :: t
        real(real64), intent(in) :: lr, beta2_decay, eps1, eps2, d, weight_decay
        logical, intent(in) :: maximize
        real(real64), intent(inout), target, optional :: row_var(:), col_var(:), variance(..)
        type(c_ptr) :: row_ptr, col_ptr, variance_ptr
        status = checked('gdopt_adafactor_update_f64', [character(1) :: 'p', 'g'], p, g)
        row_ptr = c_null_ptr
        col_ptr = c_null_ptr
        variance_ptr = c_null_ptr
        if (present(row_var) .and. status == GDOPT_OK) then
            status = checked('gdopt_adafactor_update_f64', [character(7) :: 'row_var'], row_var)
            if (status == GDOPT_OK .and. size(row_var, kind=c_size_t) /= rows) status = fail(GDOPT_ERR_SIZE, &
                'gdopt_adafactor_update_f64: row_var must have rows elements')
            if (status == GDOPT_OK) row_ptr = c_loc(row_var)
        end if
        if (present(col_var) .and. status == GDOPT_OK) then
            status = checked('gdopt_adafactor_update_f64', [character(7) :: 'col_var'], col_var)
            if (status == GDOPT_OK .and. size(col_var, kind=c_size_t) /= cols) status = fail(GDOPT_ERR_SIZE, &
                'gdopt_adafactor_update_f64: col_var must have cols elements')
            if (status == GDOPT_OK) col_ptr = c_loc(col_var)
        end if
        if (present(variance) .and. status == GDOPT_OK) then
            status = checked('gdopt_adafactor_update_f64', [character(8) :: 'p', 'variance'], p, variance)
            if (status == GDOPT_OK) variance_ptr = c_loc(variance)
        end if
        if (status == GDOPT_OK) status = done(c_adafactor_update_f64(c_loc(p), c_loc(g), row_ptr, col_ptr, &
            variance_ptr, size(p, kind=c_size_t), rows, cols, t, lr, beta2_decay, eps1, eps2, d, weight_decay, &
            c_flag(maximize)))
    end function

    !> perm(1:n) receives a permutation of 0 .. n-1 (gdopt.h's; the same in every language).
    integer function gdopt_shuffle(seed, epoch, perm) result(status)
        integer(int64), intent(in) :: seed, epoch
        integer(c_size_t), intent(out) :: perm(:)
        status = done(c_shuffle(seed, epoch, perm, size(perm, kind=c_size_t)))
    end function

    ! ---- Learning-rate schedules --------------------------------------------------------

    integer function gdopt_schedule_create(kind, schedule) result(status)
        character(*), intent(in) :: kind
        type(gdopt_schedule), intent(out) :: schedule
        status = done(c_schedule_create(c_str(kind), schedule%handle))
    end function

    integer function gdopt_schedule_set(schedule, name, value) result(status)
        type(gdopt_schedule), intent(in) :: schedule
        character(*), intent(in) :: name
        real(real64), intent(in) :: value
        status = done(c_schedule_set(schedule%handle, c_str(name), value))
    end function

    integer function gdopt_schedule_get(schedule, name, value) result(status)
        type(gdopt_schedule), intent(in) :: schedule
        character(*), intent(in) :: name
        real(real64), intent(out) :: value
        status = done(c_schedule_get(schedule%handle, c_str(name), value))
    end function

    integer function gdopt_schedule_lr(schedule, step, lr) result(status)
        type(gdopt_schedule), intent(in) :: schedule
        integer(int64), intent(in) :: step
        real(real64), intent(out) :: lr
        status = done(c_schedule_lr(schedule%handle, step, lr))
    end function

    integer function gdopt_schedule_observe(schedule, metric) result(status)
        type(gdopt_schedule), intent(in) :: schedule
        real(real64), intent(in) :: metric
        status = done(c_schedule_observe(schedule%handle, metric))
    end function

    subroutine gdopt_schedule_destroy(schedule)
        type(gdopt_schedule), intent(inout) :: schedule
        call c_schedule_destroy(schedule%handle)
        schedule%handle = c_null_ptr
    end subroutine

    ! ---- Gradient check -----------------------------------------------------------------

    integer function gdopt_numerical_gradient(f, x, h, grad_out, data) result(status)
        procedure(gdopt_objective) :: f
        real(real64), intent(in), target :: x(..)
        real(real64), intent(in) :: h
        real(real64), intent(inout), target :: grad_out(..)
        type(c_ptr), intent(in), optional :: data
        status = checked('gdopt_numerical_gradient', [character(8) :: 'x', 'grad_out'], x, grad_out)
        if (status == GDOPT_OK) status = done(c_numerical_gradient(c_funloc(f), data_or_null(data), c_loc(x), &
                                                                   size(x, kind=c_size_t), h, c_loc(grad_out)))
    end function

    !> A NaN or Inf in either gradient is GDOPT_ERR_NONFINITE, never a pass.
    integer function gdopt_gradcheck(f, x, h, res, data) result(status)
        procedure(gdopt_objective) :: f
        real(real64), intent(in), target :: x(..)
        real(real64), intent(in) :: h
        type(gdopt_gradcheck_result), intent(out) :: res
        type(c_ptr), intent(in), optional :: data
        status = checked('gdopt_gradcheck', [character(1) :: 'x'], x)
        if (status == GDOPT_OK) status = done(c_gradcheck(c_funloc(f), data_or_null(data), c_loc(x), &
                                                          size(x, kind=c_size_t), h, res))
    end function

    ! ---- Solvers ------------------------------------------------------------------------

    integer function gdopt_solver_create(method, solver) result(status)
        character(*), intent(in) :: method
        type(gdopt_solver), intent(out) :: solver
        status = done(c_solver_create(c_str(method), solver%handle))
    end function

    integer function gdopt_solver_set(solver, name, value) result(status)
        type(gdopt_solver), intent(in) :: solver
        character(*), intent(in) :: name
        real(real64), intent(in) :: value
        status = done(c_solver_set(solver%handle, c_str(name), value))
    end function

    integer function gdopt_solver_get(solver, name, value) result(status)
        type(gdopt_solver), intent(in) :: solver
        character(*), intent(in) :: name
        real(real64), intent(out) :: value
        status = done(c_solver_get(solver%handle, c_str(name), value))
    end function

    !> An absent side has no bound; both absent clear the bounds.
    integer function gdopt_solver_set_bounds(solver, lower, upper) result(status)
        type(gdopt_solver), intent(in) :: solver
        real(real64), intent(in), target, optional :: lower(..), upper(..)
        integer(c_size_t) :: n
        n = 0
        if (present(upper)) n = size(upper, kind=c_size_t)
        if (present(lower)) n = size(lower, kind=c_size_t)
        status = GDOPT_OK
        if (present(lower)) then
            status = checked('gdopt_solver_set_bounds', [character(5) :: 'lower', 'upper'], lower, upper)
        else if (present(upper)) then
            status = checked('gdopt_solver_set_bounds', [character(5) :: 'upper'], upper)
        end if
        if (status == GDOPT_OK) status = done(c_solver_set_bounds(solver%handle, loc_or_null(lower), &
                                                                  loc_or_null(upper), n))
    end function

    !> Without cb, the callback is removed.
    integer function gdopt_solver_set_progress(solver, cb, data) result(status)
        type(gdopt_solver), intent(in) :: solver
        procedure(gdopt_progress_callback), optional :: cb
        type(c_ptr), intent(in), optional :: data
        if (present(cb)) then
            status = done(c_solver_set_progress(solver%handle, c_funloc(cb), data_or_null(data)))
        else
            status = done(c_solver_set_progress(solver%handle, c_null_funptr, c_null_ptr))
        end if
    end function

    integer function gdopt_solver_minimize(solver, f, x, res, data) result(status)
        type(gdopt_solver), intent(in) :: solver
        procedure(gdopt_objective) :: f
        real(real64), intent(inout), target :: x(..)
        type(gdopt_result), intent(out), optional :: res
        type(c_ptr), intent(in), optional :: data
        type(gdopt_result) :: out
        status = checked('gdopt_solver_minimize', [character(1) :: 'x'], x)
        if (status /= GDOPT_OK) return
        status = done(c_solver_minimize(solver%handle, c_funloc(f), data_or_null(data), c_loc(x), &
                                        size(x, kind=c_size_t), out))
        if (present(res)) res = out
    end function

    integer function gdopt_solver_begin(solver, x0) result(status)
        type(gdopt_solver), intent(in) :: solver
        real(real64), intent(in), target :: x0(..)
        status = checked('gdopt_solver_begin', [character(2) :: 'x0'], x0)
        if (status == GDOPT_OK) status = done(c_solver_begin(solver%handle, c_loc(x0), size(x0, kind=c_size_t)))
    end function

    !> task: GDOPT_TASK_EVALUATE, GDOPT_TASK_ITERATE or GDOPT_TASK_DONE.
    integer function gdopt_solver_ask(solver, x, task) result(status)
        type(gdopt_solver), intent(in) :: solver
        real(real64), intent(inout), target :: x(..)
        integer, intent(out) :: task
        integer(c_int32_t) :: next
        next = 0
        status = checked('gdopt_solver_ask', [character(1) :: 'x'], x)
        if (status == GDOPT_OK) status = done(c_solver_ask(solver%handle, c_loc(x), size(x, kind=c_size_t), next))
        task = int(next)
    end function

    !> grad may be absent for the random methods and with finite_differences = 1.
    integer function gdopt_solver_tell(solver, f, grad) result(status)
        type(gdopt_solver), intent(in) :: solver
        real(real64), intent(in) :: f
        real(real64), intent(in), target, optional :: grad(..)
        integer(c_size_t) :: n
        if (present(grad)) then
            status = checked('gdopt_solver_tell', [character(4) :: 'grad'], grad)
            if (status /= GDOPT_OK) return
            n = size(grad, kind=c_size_t)
        else
            status = done(c_solver_dimension(solver%handle, n))
            if (status /= GDOPT_OK) return
        end if
        status = done(c_solver_tell(solver%handle, f, loc_or_null(grad), n))
    end function

    integer function gdopt_solver_stop(solver) result(status)
        type(gdopt_solver), intent(in) :: solver
        status = done(c_solver_stop(solver%handle))
    end function

    integer function gdopt_solver_result(solver, res) result(status)
        type(gdopt_solver), intent(in) :: solver
        type(gdopt_result), intent(out) :: res
        status = done(c_solver_result(solver%handle, res))
    end function

    integer function gdopt_solver_dimension(solver, n) result(status)
        type(gdopt_solver), intent(in) :: solver
        integer(int64), intent(out) :: n
        integer(c_size_t) :: dimension
        dimension = 0
        status = done(c_solver_dimension(solver%handle, dimension))
        n = int(dimension, int64)
    end function

    integer function gdopt_solver_save(solver, path) result(status)
        type(gdopt_solver), intent(in) :: solver
        character(*), intent(in) :: path
        status = done(c_solver_save(solver%handle, c_str(path)))
    end function

    integer function gdopt_solver_load(solver, path) result(status)
        type(gdopt_solver), intent(in) :: solver
        character(*), intent(in) :: path
        status = done(c_solver_load(solver%handle, c_str(path)))
    end function

    subroutine gdopt_solver_destroy(solver)
        type(gdopt_solver), intent(inout) :: solver
        call c_solver_destroy(solver%handle)
        solver%handle = c_null_ptr
    end subroutine

    ! ---- Helpers ------------------------------------------------------------------------

    !> The status of a library call; a failure makes the library's message the last one.
    integer function done(status)
        integer(c_int32_t), intent(in) :: status
        if (status /= GDOPT_OK) call c_library_failed()
        done = int(status)
    end function

    !> The binding's own refusal, with a message in the library's form.
    integer function fail(status, message)
        integer, intent(in) :: status
        character(*), intent(in) :: message
        call c_fail(message, len(message, kind=c_size_t))
        fail = status
    end function

    !> Every present array must be contiguous and hold as many elements as a does.
    integer function checked(call, names, a, b, c, d, e) result(status)
        character(*), intent(in) :: call, names(:)
        type(*), intent(in) :: a(..)
        type(*), intent(in), optional :: b(..), c(..), d(..), e(..)
        status = GDOPT_OK
        if (.not. is_contiguous(a)) status = not_contiguous(call, names(1))
        if (present(b) .and. status == GDOPT_OK) status = same_layout(call, names(1), names(2), size(a), b)
        if (present(c) .and. status == GDOPT_OK) status = same_layout(call, names(1), names(3), size(a), c)
        if (present(d) .and. status == GDOPT_OK) status = same_layout(call, names(1), names(4), size(a), d)
        if (present(e) .and. status == GDOPT_OK) status = same_layout(call, names(1), names(5), size(a), e)
    end function

    integer function same_layout(call, first, name, n, array) result(status)
        character(*), intent(in) :: call, first, name
        integer, intent(in) :: n
        type(*), intent(in) :: array(..)
        character(24) :: counts
        status = GDOPT_OK
        if (.not. is_contiguous(array)) then
            status = not_contiguous(call, name)
        else if (size(array) /= n) then
            write (counts, '(i0, " and ", i0)') size(array), n
            status = fail(GDOPT_ERR_SIZE, call//': '//trim(name)//' and '//trim(first)//' have '//trim(counts)// &
                          ' elements')
        end if
    end function

    integer function not_contiguous(call, name)
        character(*), intent(in) :: call, name
        not_contiguous = fail(GDOPT_ERR_INVALID, call//': '//trim(name)// &
                              ' is not contiguous (pass a contiguous array; the binding makes no copy)')
    end function

    integer function slot_call(c_call, opt, slot, params, grads, n) result(status)
        procedure(c_optimizer_step) :: c_call
        type(gdopt_optimizer), intent(in) :: opt
        integer, intent(in) :: slot
        type(c_ptr), intent(in) :: params, grads
        integer(c_size_t), intent(in) :: n
        character(12) :: value
        if (slot < 0) then
            write (value, '(i0)') slot
            status = fail(GDOPT_ERR_INVALID, 'gdopt_optimizer_step: slot='//trim(value)//' is negative')
        else
            status = done(c_call(opt%handle, int(slot, c_size_t), params, grads, n))
        end if
    end function

    type(c_ptr) function loc_or_null(array)
        type(*), intent(in), target, optional :: array(..)
        loc_or_null = c_null_ptr
        if (present(array)) loc_or_null = c_loc(array)
    end function

    type(c_ptr) function data_or_null(data)
        type(c_ptr), intent(in), optional :: data
        data_or_null = c_null_ptr
        if (present(data)) data_or_null = data
    end function

    integer(c_int) function c_flag(value)
        logical, intent(in) :: value
        c_flag = merge(1_c_int, 0_c_int, value)
    end function

    !> A Fortran string as a NUL-terminated C string (trailing blanks dropped).
    function c_str(s) result(c)
        character(*), intent(in) :: s
        character(kind=c_char, len=len_trim(s) + 1) :: c
        c = trim(s)//c_null_char
    end function

    function from_c(p) result(s)
        type(c_ptr), intent(in) :: p
        character(:), allocatable :: s
        character(kind=c_char), pointer :: chars(:)
        integer :: i
        if (.not. c_associated(p)) then
            s = ''
            return
        end if
        call c_f_pointer(p, chars, [c_strlen(p)])
        allocate (character(size(chars)) :: s)
        do i = 1, size(chars)
            s(i:i) = chars(i)
        end do
    end function
end module gdopt

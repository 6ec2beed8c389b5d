/* Every function gdopt.h declares, once. The harness calls each of them, resolves each by
 * name in its dlopen build, and check_exports.sh compares this list with the header and
 * with the library's dynamic symbols. */
/* One X(name) per name on a line, as check_exports.sh reads them. */
// clang-format off
#define GDOPT_API_FUNCTIONS(X) \
    X(gdopt_version) X(gdopt_abi_version) X(gdopt_build_info) X(gdopt_status_name) X(gdopt_last_error) \
    X(gdopt_set_num_threads) \
    X(gdopt_optimizer_create) X(gdopt_optimizer_set) X(gdopt_optimizer_get) X(gdopt_optimizer_step_f32) \
    X(gdopt_optimizer_step_f64) X(gdopt_optimizer_check_f32) X(gdopt_optimizer_check_f64) X(gdopt_optimizer_reset) \
    X(gdopt_optimizer_save) X(gdopt_optimizer_load) \
    X(gdopt_optimizer_serialize) X(gdopt_optimizer_deserialize) X(gdopt_optimizer_destroy) \
    X(gdopt_sgd_update_f32) X(gdopt_sgd_update_f64) X(gdopt_adagrad_update_f32) X(gdopt_adagrad_update_f64) \
    X(gdopt_rmsprop_update_f32) X(gdopt_rmsprop_update_f64) X(gdopt_adam_update_f32) X(gdopt_adam_update_f64) \
    X(gdopt_adam_update_compact_f32) X(gdopt_adam_update_compact_f64) X(gdopt_state_bytes) \
    X(gdopt_lion_update_f32) X(gdopt_lion_update_f64) X(gdopt_adamax_update_f32) X(gdopt_adamax_update_f64) \
    X(gdopt_adadelta_update_f32) X(gdopt_adadelta_update_f64) X(gdopt_rprop_update_f32) X(gdopt_rprop_update_f64) \
    X(gdopt_nadam_update_f32) X(gdopt_nadam_update_f64) X(gdopt_radam_update_f32) X(gdopt_radam_update_f64) \
    X(gdopt_asgd_update_f32) X(gdopt_asgd_update_f64) X(gdopt_adafactor_update_f32) X(gdopt_adafactor_update_f64) \
    X(gdopt_clip_grad_norm_f32) X(gdopt_clip_grad_norm_f64) X(gdopt_shuffle) \
    X(gdopt_schedule_create) X(gdopt_schedule_set) X(gdopt_schedule_get) X(gdopt_schedule_lr) \
    X(gdopt_schedule_observe) X(gdopt_schedule_destroy) \
    X(gdopt_tape_create) X(gdopt_tape_clear) X(gdopt_tape_variable_f32) X(gdopt_tape_variable_f64) \
    X(gdopt_tape_constant_f32) X(gdopt_tape_constant_f64) X(gdopt_tape_unary) X(gdopt_tape_binary) X(gdopt_tape_loss) \
    X(gdopt_tape_backward) X(gdopt_tape_shape) X(gdopt_tape_value_f32) X(gdopt_tape_value_f64) X(gdopt_tape_grad_f32) \
    X(gdopt_tape_grad_f64) X(gdopt_tape_replay_f32) X(gdopt_tape_replay_f64) X(gdopt_tape_destroy) X(gdopt_numerical_gradient) X(gdopt_gradcheck) \
    X(gdopt_solver_create) X(gdopt_solver_set) X(gdopt_solver_get) X(gdopt_solver_set_progress) \
    X(gdopt_solver_set_hessian) X(gdopt_solver_minimize) X(gdopt_solver_destroy) X(gdopt_solver_set_bounds) \
    X(gdopt_solver_begin) X(gdopt_solver_ask) X(gdopt_solver_tell) X(gdopt_solver_stop) X(gdopt_solver_result) \
    X(gdopt_solver_save) X(gdopt_solver_load) X(gdopt_solver_serialize) X(gdopt_solver_deserialize) \
    X(gdopt_solver_dimension) \
    X(gdopt_optimizer_kinds) X(gdopt_optimizer_params) X(gdopt_optimizer_state_names) X(gdopt_schedule_kinds) \
    X(gdopt_schedule_params) X(gdopt_solver_methods) X(gdopt_solver_params) \
    X(gdopt_optimizer_slots) X(gdopt_optimizer_slot_info) X(gdopt_optimizer_state_get_f32) \
    X(gdopt_optimizer_state_get_f64) X(gdopt_optimizer_state_set_f32) X(gdopt_optimizer_state_set_f64) \
    X(gdopt_optimizer_scalar_names) X(gdopt_optimizer_scalar_get) X(gdopt_optimizer_scalar_set) \
    X(gdopt_optimizer_set_shape) X(gdopt_optimizer_slot_shape) X(gdopt_optimizer_slot_format)
// clang-format on

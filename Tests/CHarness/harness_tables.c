/* The harness's checks of §10 (v1.1): the parameter tables a program can list, a slot's
 * state read and written by torch's buffer names, the header's named code types, and the
 * two §8 deviations of v1.0 (serialize with buf NULL and cap > 0; deserialize of 0 bytes).
 * Included by harness.c (it uses CALL, CHECK, EXPECT_ERROR). */

/* The listed names, as one comma-separated string, for comparison with the header's manual. */
static void join_names(const char *const *names, size_t count, char *out, size_t cap) {
    out[0] = '\0';
    for (size_t i = 0; i < count; i++) {
        if (i) strncat(out, ",", cap - strlen(out) - 1);
        strncat(out, names[i], cap - strlen(out) - 1);
    }
}

static const gdopt_param_info *find_param(const gdopt_param_info *table, size_t count, const char *name) {
    for (size_t i = 0; i < count; i++)
        if (!strcmp(table[i].name, name)) return &table[i];
    return NULL;
}

/* Every listed parameter is one that set and get accept, with get reading the default on
 * a new object, set accepting min and max and refusing just outside them, and integral
 * flags refusing 0.5 more than min. */
static void check_param_table(const gdopt_param_info *table, size_t count, const char *what,
                              gdopt_status (*make)(const char *, void **), const char *kind,
                              gdopt_status (*set)(void *, const char *, double),
                              gdopt_status (*get)(const void *, const char *, double *), void (*destroy)(void *)) {
    for (size_t i = 0; i < count; i++) {
        void *object = NULL;
        double value = -12345;
        CHECK(make(kind, &object) == GDOPT_OK);
        const gdopt_param_info *p = &table[i];
        if (!(get(object, p->name, &value) == GDOPT_OK && value == p->default_value)) {
            fprintf(stderr, "  %s %s: get %g, table default %g\n", what, p->name, value, p->default_value);
            CHECK(0);
        }
        CHECK(p->min <= p->default_value && p->default_value <= p->max);
        CHECK(set(object, p->name, p->min) == GDOPT_OK && set(object, p->name, p->max) == GDOPT_OK);
        if (p->min > -DBL_MAX) CHECK(set(object, p->name, nextafter(p->min, -INFINITY)) == GDOPT_ERR_INVALID);
        if (p->max < DBL_MAX) CHECK(set(object, p->name, nextafter(p->max, INFINITY)) == GDOPT_ERR_INVALID);
        if (p->flags) CHECK(set(object, p->name, p->min + 0.5) == GDOPT_ERR_INVALID);
        CHECK(p->flags != GDOPT_PARAM_BOOL || (p->min == 0 && p->max == 1));
        destroy(object);
    }
    (void)what;
}

static gdopt_status make_optimizer(const char *kind, void **out) {
    return CALL(gdopt_optimizer_create)(kind, (gdopt_optimizer **)out);
}
static gdopt_status set_optimizer(void *o, const char *name, double value) {
    return CALL(gdopt_optimizer_set)(o, name, value);
}
static gdopt_status get_optimizer(const void *o, const char *name, double *value) {
    return CALL(gdopt_optimizer_get)(o, name, value);
}
static void destroy_optimizer(void *o) {
    CALL(gdopt_optimizer_destroy)(o);
}
static gdopt_status make_schedule(const char *kind, void **out) {
    return CALL(gdopt_schedule_create)(kind, (gdopt_schedule **)out);
}
static gdopt_status set_schedule(void *s, const char *name, double value) {
    return CALL(gdopt_schedule_set)(s, name, value);
}
static gdopt_status get_schedule(const void *s, const char *name, double *value) {
    return CALL(gdopt_schedule_get)(s, name, value);
}
static void destroy_schedule(void *s) {
    CALL(gdopt_schedule_destroy)(s);
}
static gdopt_status make_solver(const char *method, void **out) {
    return CALL(gdopt_solver_create)(method, (gdopt_solver **)out);
}
static gdopt_status set_solver(void *s, const char *name, double value) {
    return CALL(gdopt_solver_set)(s, name, value);
}
static gdopt_status get_solver(const void *s, const char *name, double *value) {
    return CALL(gdopt_solver_get)(s, name, value);
}
static void destroy_solver(void *s) {
    CALL(gdopt_solver_destroy)(s);
}

static void test_parameter_tables(void) {
    const char *const *names = NULL;
    const gdopt_param_info *table = NULL;
    size_t count = 0, kinds_count = 0;
    char joined[512];

    /* The lists name what the header's manual names, in its order. */
    CHECK(CALL(gdopt_optimizer_kinds)(&names, &kinds_count) == GDOPT_OK);
    join_names(names, kinds_count, joined, sizeof joined);
    CHECK(!strcmp(joined, "sgd,adagrad,rmsprop,adam,adamw,lion,adamax,adadelta,rprop,nadam,radam,asgd,adafactor"));
    CHECK(CALL(gdopt_optimizer_params)("adam", &table, &count) == GDOPT_OK && count == 10);
    CHECK(!strcmp(table[0].name, "lr") && table[0].default_value == 1e-3 && table[0].min == 0 &&
          table[0].max == DBL_MAX && table[0].flags == 0);
    const gdopt_param_info *beta1 = find_param(table, count, "beta1");
    CHECK(beta1 && beta1->default_value == 0.9 && beta1->min == 0 && beta1->max == nextafter(1.0, 0.0));
    const gdopt_param_info *amsgrad = find_param(table, count, "amsgrad");
    CHECK(amsgrad && amsgrad->flags == GDOPT_PARAM_BOOL && amsgrad->max == 1);
    const gdopt_param_info *state_format = find_param(table, count, "state_format");
    CHECK(state_format && state_format->flags == GDOPT_PARAM_INTEGER && state_format->min == 0 &&
          state_format->max == GDOPT_STATE_INT8 && state_format->default_value == GDOPT_STATE_NATIVE);
    CHECK(CALL(gdopt_optimizer_params)("rprop", &table, &count) == GDOPT_OK &&
          !find_param(table, count, "state_format"));
    CHECK(CALL(gdopt_optimizer_params)("adamw", &table, &count) == GDOPT_OK &&
          find_param(table, count, "weight_decay")->default_value == 1e-2);
    CHECK(CALL(gdopt_optimizer_params)("sgd", &table, &count) == GDOPT_OK &&
          find_param(table, count, "dampening")->min == -DBL_MAX);
    CHECK(CALL(gdopt_optimizer_state_names)("rmsprop", &names, &count) == GDOPT_OK);
    join_names(names, count, joined, sizeof joined);
    CHECK(!strcmp(joined, "square_avg,grad_avg,momentum_buffer"));
    CHECK(CALL(gdopt_schedule_kinds)(&names, &count) == GDOPT_OK);
    join_names(names, count, joined, sizeof joined);
    CHECK(!strcmp(joined, "constant,step,exponential,cosine,warmup_cosine,inverse_time,one_cycle,plateau"));
    CHECK(CALL(gdopt_schedule_params)("one_cycle", &table, &count) == GDOPT_OK && count == 6);
    CHECK(find_param(table, count, "total_steps")->flags == GDOPT_PARAM_INTEGER &&
          find_param(table, count, "total_steps")->max == 9007199254740992.0);
    CHECK(CALL(gdopt_solver_methods)(&names, &count) == GDOPT_OK);
    join_names(names, count, joined, sizeof joined);
    CHECK(!strcmp(joined, "gd,gd_linesearch,momentum,adam,lbfgs,newton,random_search,random_local_search"));
    CHECK(CALL(gdopt_solver_params)("lbfgs", &table, &count) == GDOPT_OK && count == 15);
    CHECK(find_param(table, count, "memory")->default_value == 10 &&
          find_param(table, count, "gtol")->default_value == 1e-5);

    /* Each table is the one set, get and the checks use, for every kind. */
    CHECK(CALL(gdopt_optimizer_kinds)(&names, &kinds_count) == GDOPT_OK);
    for (size_t k = 0; k < kinds_count; k++) {
        CHECK(CALL(gdopt_optimizer_params)(names[k], &table, &count) == GDOPT_OK);
        check_param_table(table, count, names[k], make_optimizer, names[k], set_optimizer, get_optimizer,
                          destroy_optimizer);
    }
    CHECK(CALL(gdopt_schedule_kinds)(&names, &kinds_count) == GDOPT_OK);
    for (size_t k = 0; k < kinds_count; k++) {
        CHECK(CALL(gdopt_schedule_params)(names[k], &table, &count) == GDOPT_OK);
        check_param_table(table, count, names[k], make_schedule, names[k], set_schedule, get_schedule,
                          destroy_schedule);
    }
    CHECK(CALL(gdopt_solver_methods)(&names, &kinds_count) == GDOPT_OK);
    for (size_t k = 0; k < kinds_count; k++) {
        CHECK(CALL(gdopt_solver_params)(names[k], &table, &count) == GDOPT_OK);
        check_param_table(table, count, names[k], make_solver, names[k], set_solver, get_solver, destroy_solver);
    }

    /* The same static pointers on every call; bad arguments named. */
    const gdopt_param_info *again = NULL;
    CHECK(CALL(gdopt_optimizer_params)("adam", &table, &count) == GDOPT_OK &&
          CALL(gdopt_optimizer_params)("adam", &again, &count) == GDOPT_OK && table == again);
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_optimizer_params", "kind \"adan\" is unknown",
                 CALL(gdopt_optimizer_params)("adan", &table, &count));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_optimizer_params", "kind", CALL(gdopt_optimizer_params)(NULL, &table, &count));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_optimizer_params", "table", CALL(gdopt_optimizer_params)("sgd", NULL, &count));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_optimizer_kinds", "count", CALL(gdopt_optimizer_kinds)(&names, NULL));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_optimizer_state_names", "names",
                 CALL(gdopt_optimizer_state_names)("sgd", NULL, &count));
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_schedule_params", "kind \"cosin\" is unknown",
                 CALL(gdopt_schedule_params)("cosin", &table, &count));
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_solver_params", "method \"bfgs\" is unknown",
                 CALL(gdopt_solver_params)("bfgs", &table, &count));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_solver_methods", "names", CALL(gdopt_solver_methods)(NULL, &count));
}

/* A slot's state read by name equals what the stateless kernel computes; written by name
 * into another optimizer, it gives the same checkpoint bytes and the same next step. */
static void test_slot_state(void) {
    enum { LEN = 5 };
    gdopt_optimizer *o = NULL, *twin = NULL;
    CHECK(CALL(gdopt_optimizer_create)("adam", &o) == GDOPT_OK && CALL(gdopt_optimizer_set)(o, "amsgrad", 1) == 0);
    float p[LEN] = {1, -2, 3, -4, 5}, g[LEN] = {0.5f, -1, 2, 0.25f, -3};
    float kp[LEN], m[LEN] = {0}, v[LEN] = {0}, vmax[LEN] = {0};
    memcpy(kp, p, sizeof p);
    for (uint64_t t = 1; t <= 3; t++) {
        CHECK(CALL(gdopt_optimizer_step_f32)(o, 7, p, g, LEN) == GDOPT_OK);
        CHECK(CALL(gdopt_adam_update_f32)(kp, g, m, v, vmax, LEN, t, 1e-3, 0.9, 0.999, 1e-8, 0, GDOPT_ADAM_AMSGRAD) ==
              GDOPT_OK);
    }
    double pd[2] = {1, 2}, gd[2] = {0.5, 0.5};
    CHECK(CALL(gdopt_optimizer_step_f64)(o, 2, pd, gd, 2) == GDOPT_OK);

    size_t slots[4] = {0}, count = 0;
    CHECK(CALL(gdopt_optimizer_slots)(o, NULL, 0, &count) == GDOPT_OK && count == 2);
    CHECK(CALL(gdopt_optimizer_slots)(o, slots, 4, &count) == GDOPT_OK && slots[0] == 2 && slots[1] == 7);
    EXPECT_ERROR(GDOPT_ERR_SIZE, "gdopt_optimizer_slots", "cap=1", CALL(gdopt_optimizer_slots)(o, slots, 1, &count));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_optimizer_slots", "slots", CALL(gdopt_optimizer_slots)(o, NULL, 4, &count));

    gdopt_slot_info info = {0};
    CHECK(CALL(gdopt_optimizer_slot_info)(o, 7, &info) == GDOPT_OK);
    CHECK(info.dtype == GDOPT_F32 && info.n == LEN && info.step == 3 && info.buffers == 7);
    CHECK(CALL(gdopt_optimizer_slot_info)(o, 2, &info) == GDOPT_OK && info.dtype == GDOPT_F64 && info.n == 2);
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_optimizer_slot_info", "slot 3 has no state",
                 CALL(gdopt_optimizer_slot_info)(o, 3, &info));

    float read[LEN];
    CHECK(CALL(gdopt_optimizer_state_get_f32)(o, 7, "exp_avg", read, LEN) == GDOPT_OK && !memcmp(read, m, sizeof m));
    CHECK(CALL(gdopt_optimizer_state_get_f32)(o, 7, "exp_avg_sq", read, LEN) == GDOPT_OK && !memcmp(read, v, sizeof v));
    CHECK(CALL(gdopt_optimizer_state_get_f32)(o, 7, "max_exp_avg_sq", read, LEN) == GDOPT_OK &&
          !memcmp(read, vmax, sizeof vmax));
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_optimizer_state_get_f32", "momentum_buffer",
                 CALL(gdopt_optimizer_state_get_f32)(o, 7, "momentum_buffer", read, LEN));
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_optimizer_state_get_f64", "float32",
                 CALL(gdopt_optimizer_state_get_f64)(o, 7, "exp_avg", pd, 2));
    EXPECT_ERROR(GDOPT_ERR_SIZE, "gdopt_optimizer_state_get_f32", "n=4",
                 CALL(gdopt_optimizer_state_get_f32)(o, 7, "exp_avg", read, LEN - 1));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_optimizer_state_get_f32", "out",
                 CALL(gdopt_optimizer_state_get_f32)(o, 7, "exp_avg", NULL, LEN));

    /* Written into a fresh optimizer with the same hyperparameters: the same checkpoint. */
    CHECK(CALL(gdopt_optimizer_create)("adam", &twin) == GDOPT_OK &&
          CALL(gdopt_optimizer_set)(twin, "amsgrad", 1) == GDOPT_OK);
    const char *names[3] = {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"};
    const float *buffers[3] = {m, v, vmax};
    double m2[2], v2[2], vmax2[2];
    CHECK(CALL(gdopt_optimizer_state_get_f64)(o, 2, "exp_avg", m2, 2) == GDOPT_OK &&
          CALL(gdopt_optimizer_state_get_f64)(o, 2, "exp_avg_sq", v2, 2) == GDOPT_OK &&
          CALL(gdopt_optimizer_state_get_f64)(o, 2, "max_exp_avg_sq", vmax2, 2) == GDOPT_OK);
    const double *buffers64[3] = {m2, v2, vmax2};
    CHECK(CALL(gdopt_optimizer_state_set_f64)(twin, 2, 1, 2, names, buffers64, 3) == GDOPT_OK);
    CHECK(CALL(gdopt_optimizer_state_set_f32)(twin, 7, 3, LEN, names, buffers, 3) == GDOPT_OK);
    static unsigned char a[4096], b[4096];
    size_t a_len = 0, b_len = 0;
    CHECK(CALL(gdopt_optimizer_serialize)(o, a, sizeof a, &a_len) == GDOPT_OK &&
          CALL(gdopt_optimizer_serialize)(twin, b, sizeof b, &b_len) == GDOPT_OK && a_len == b_len &&
          !memcmp(a, b, a_len));
    float p_twin[LEN];
    memcpy(p_twin, p, sizeof p);
    CHECK(CALL(gdopt_optimizer_step_f32)(o, 7, p, g, LEN) == GDOPT_OK &&
          CALL(gdopt_optimizer_step_f32)(twin, 7, p_twin, g, LEN) == GDOPT_OK && !memcmp(p, p_twin, sizeof p));

    /* A failed write changes nothing; the buffers not named are absent (created by a step). */
    CHECK(CALL(gdopt_optimizer_serialize)(twin, a, sizeof a, &a_len) == GDOPT_OK);
    const char *twice[2] = {"exp_avg", "exp_avg"}, *unknown[1] = {"momentum_buffer"}, *null_name[1] = {NULL};
    const float *two[2] = {m, v}, *null_buffer[1] = {NULL};
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_optimizer_state_set_f32", "exp_avg is given twice",
                 CALL(gdopt_optimizer_state_set_f32)(twin, 7, 4, LEN, twice, two, 2));
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_optimizer_state_set_f32", "momentum_buffer",
                 CALL(gdopt_optimizer_state_set_f32)(twin, 7, 4, LEN, unknown, buffers, 1));
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_optimizer_state_set_f32", "step=0",
                 CALL(gdopt_optimizer_state_set_f32)(twin, 7, 0, LEN, names, buffers, 3));
    EXPECT_ERROR(GDOPT_ERR_SIZE, "gdopt_optimizer_state_set_f32", "n=0",
                 CALL(gdopt_optimizer_state_set_f32)(twin, 7, 4, 0, names, buffers, 3));
    EXPECT_ERROR(GDOPT_ERR_SIZE, "gdopt_optimizer_state_set_f64",
                 "n=", CALL(gdopt_optimizer_state_set_f64)(twin, 7, 4, SIZE_MAX / 4, names, buffers64, 3));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_optimizer_state_set_f32", "names[0]",
                 CALL(gdopt_optimizer_state_set_f32)(twin, 7, 4, LEN, null_name, buffers, 1));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_optimizer_state_set_f32", "buffers[0]",
                 CALL(gdopt_optimizer_state_set_f32)(twin, 7, 4, LEN, names, null_buffer, 1));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_optimizer_state_set_f32", "names",
                 CALL(gdopt_optimizer_state_set_f32)(twin, 7, 4, LEN, NULL, buffers, 1));
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_optimizer_state_set_f32",
                 "count=", CALL(gdopt_optimizer_state_set_f32)(twin, 7, 4, LEN, names, buffers, SIZE_MAX));
    CHECK(CALL(gdopt_optimizer_serialize)(twin, b, sizeof b, &b_len) == GDOPT_OK && a_len == b_len &&
          !memcmp(a, b, a_len));
    CHECK(CALL(gdopt_optimizer_state_set_f32)(twin, 9, 1, LEN, names, buffers, 1) == GDOPT_OK);
    CHECK(CALL(gdopt_optimizer_slot_info)(twin, 9, &info) == GDOPT_OK && info.buffers == 1 && info.step == 1);
    CHECK(CALL(gdopt_optimizer_state_set_f32)(twin, 11, 5, LEN, NULL, NULL, 0) == GDOPT_OK);
    CHECK(CALL(gdopt_optimizer_slot_info)(twin, 11, &info) == GDOPT_OK && info.buffers == 0 && info.step == 5);
    CHECK(CALL(gdopt_optimizer_step_f32)(twin, 11, p_twin, g, LEN) == GDOPT_OK);
    CHECK(CALL(gdopt_optimizer_slot_info)(twin, 11, &info) == GDOPT_OK && info.buffers == 7 && info.step == 6);
    CALL(gdopt_optimizer_destroy)(o);
    CALL(gdopt_optimizer_destroy)(twin);
}

/* The codes are enum types with the v1.0 values; functions still take int. */
static void test_named_codes(void) {
    gdopt_op relu = GDOPT_RELU;
    gdopt_loss hinge = GDOPT_MULTICLASS_HINGE;
    gdopt_dtype f64 = GDOPT_F64;
    gdopt_reason failed_search = GDOPT_LINESEARCH_FAILED;
    gdopt_task_code done = GDOPT_TASK_DONE;
    CHECK(relu == 6 && GDOPT_MATMUL == 24 && hinge == 2 && f64 == 2 && failed_search == 7 && done == 3);
    gdopt_tape *t = NULL;
    gdopt_node x = 0, y = 0;
    double data[2] = {-1, 2};
    size_t shape[1] = {2};
    CHECK(CALL(gdopt_tape_create)(f64, &t) == GDOPT_OK && CALL(gdopt_tape_variable_f64)(t, data, 1, shape, &x) == 0 &&
          CALL(gdopt_tape_unary)(t, relu, x, &y) == GDOPT_OK);
    CALL(gdopt_tape_destroy)(t);
}

/* v1.0 deviations fixed in v1.1 (§8). */
static void test_v10_deviations(void) {
    gdopt_optimizer *o = NULL;
    gdopt_solver *s = NULL;
    size_t needed = 0;
    unsigned char byte = 0;
    CHECK(CALL(gdopt_optimizer_create)("sgd", &o) == GDOPT_OK && CALL(gdopt_solver_create)("lbfgs", &s) == 0);
    /* buf = NULL with 0 < cap < size is NULL (it was SIZE). */
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_optimizer_serialize", "buf",
                 CALL(gdopt_optimizer_serialize)(o, NULL, 64, &needed));
    CHECK(needed > 64);
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_solver_serialize", "buf", CALL(gdopt_solver_serialize)(s, NULL, 1, &needed));
    /* len = 0 is a truncated checkpoint: FORMAT (it was SIZE). */
    EXPECT_ERROR(GDOPT_ERR_FORMAT, "gdopt_optimizer_deserialize", "0 bytes",
                 CALL(gdopt_optimizer_deserialize)(o, &byte, 0));
    EXPECT_ERROR(GDOPT_ERR_FORMAT, "gdopt_solver_deserialize", "0 bytes", CALL(gdopt_solver_deserialize)(s, &byte, 0));
    CALL(gdopt_optimizer_destroy)(o);
    CALL(gdopt_solver_destroy)(s);
}

static void test_tables_and_state(void) {
    test_parameter_tables();
    test_slot_state();
    test_named_codes();
    test_v10_deviations();
}

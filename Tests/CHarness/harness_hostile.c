/* The harness's checks of §8 "Hostile input and resources" (v1.1): checkpoints that stream,
 * arguments checked before anything is allocated for them, schedules that never read as
 * NaN, whole-number parameters and tape nodes that name one tape and one generation.
 * Included by harness.c (it uses CALL, CHECK and EXPECT_STATUS). The memory-limit cases
 * are in limits.c (`make test-limits`). */

/* The file's bytes, malloc'd; *length set. */
static unsigned char *read_whole_file(const char *path, size_t *length) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *bytes = malloc(size > 0 ? (size_t)size : 1);
    *length = fread(bytes, 1, (size_t)size, f);
    fclose(f);
    return bytes;
}

/* serialize with cap = 0 is the size alone; save streams the same bytes that serialize
 * writes, for states small and larger than the 1 MiB write chunk, f32 and f64 slots. */
static void test_streamed_checkpoints(void) {
    enum { BIG = 300000 };
    gdopt_optimizer *o = NULL;
    CHECK(CALL(gdopt_optimizer_create)("adam", &o) == GDOPT_OK &&
          CALL(gdopt_optimizer_set)(o, "amsgrad", 1) == GDOPT_OK);
    float *p = calloc(BIG, sizeof *p), *g = malloc(BIG * sizeof *g);
    double pd[7] = {0}, gd[7] = {1, -2, 3, -4, 5, -6, 7};
    for (int i = 0; i < BIG; i++) g[i] = (float)((i * 37) % 101) * 0.01f - 0.5f;
    size_t needed = 0, before = 0;
    CHECK(CALL(gdopt_optimizer_serialize)(o, NULL, 0, &before) == GDOPT_OK && before > 0);
    CHECK(CALL(gdopt_optimizer_step_f32)(o, 3, p, g, BIG) == GDOPT_OK);
    CHECK(CALL(gdopt_optimizer_step_f64)(o, 9, pd, gd, 7) == GDOPT_OK);
    CHECK(CALL(gdopt_optimizer_serialize)(o, NULL, 0, &needed) == GDOPT_OK);
    /* Three f32 buffers of BIG, three f64 buffers of 7, two slot headers of 56 bytes (format 3:
     * 32, then rows, cols, the count of scalars, which adam has none of, and the state format). */
    CHECK(needed == before + 3 * BIG * 4 + 3 * 7 * 8 + 2 * 56);
    unsigned char *bytes = malloc(needed + 1);
    bytes[needed] = 0xA5;
    size_t written = 0;
    CHECK(CALL(gdopt_optimizer_serialize)(o, bytes, needed + 1, &written) == GDOPT_OK && written == needed);
    CHECK(bytes[needed] == 0xA5); /* nothing past the checkpoint */
    char path[] = "/tmp/gdopt-harness-stream-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    size_t file_length = 0;
    CHECK(CALL(gdopt_optimizer_save)(o, path) == GDOPT_OK);
    unsigned char *file = read_whole_file(path, &file_length);
    CHECK(file && file_length == needed && memcmp(file, bytes, needed) == 0);
    gdopt_optimizer *copy = NULL;
    CHECK(CALL(gdopt_optimizer_create)("adam", &copy) == GDOPT_OK &&
          CALL(gdopt_optimizer_load)(copy, path) == GDOPT_OK);
    size_t copy_length = 0;
    CHECK(CALL(gdopt_optimizer_serialize)(copy, file, file_length, &copy_length) == GDOPT_OK);
    CHECK(copy_length == needed && memcmp(file, bytes, needed) == 0);
    /* A solver checkpoint streams the same way. */
    gdopt_solver *s = NULL;
    CHECK(CALL(gdopt_solver_create)("lbfgs", &s) == GDOPT_OK);
    double x0[2] = {-1.2, 1};
    CHECK(CALL(gdopt_solver_begin)(s, x0, 2) == GDOPT_OK);
    size_t solver_length = 0, solver_file_length = 0;
    CHECK(CALL(gdopt_solver_serialize)(s, NULL, 0, &solver_length) == GDOPT_OK && solver_length > 0);
    unsigned char *solver_bytes = malloc(solver_length);
    CHECK(CALL(gdopt_solver_serialize)(s, solver_bytes, solver_length, &solver_length) == GDOPT_OK);
    CHECK(CALL(gdopt_solver_save)(s, path) == GDOPT_OK);
    unsigned char *solver_file = read_whole_file(path, &solver_file_length);
    CHECK(solver_file && solver_file_length == solver_length && memcmp(solver_file, solver_bytes, solver_length) == 0);
    unlink(path);
    free(solver_file);
    free(solver_bytes);
    CALL(gdopt_solver_destroy)(s);
    CALL(gdopt_optimizer_destroy)(copy);
    CALL(gdopt_optimizer_destroy)(o);
    free(file);
    free(bytes);
    free(p);
    free(g);
}

/* Pointers and lengths are checked before anything is sized from count. */
static void test_counts_checked_before_allocation(void) {
    float *no_grads[1] = {NULL};
    size_t lens[1] = {4};
    EXPECT_STATUS(GDOPT_ERR_NULL, "gdopt_clip_grad_norm_f32", "grads[0]",
                  CALL(gdopt_clip_grad_norm_f32)(no_grads, lens, (size_t)1 << 34, 1.0, NULL));
    EXPECT_STATUS(GDOPT_ERR_SIZE, "gdopt_clip_grad_norm_f64", "count",
                  CALL(gdopt_clip_grad_norm_f64)((double **)no_grads, lens, SIZE_MAX, 1.0, NULL));
}

static void test_schedules_never_nan(void) {
    gdopt_schedule *s = NULL;
    double lr = -1;
    /* one_cycle: pct_start · total_steps = 1 is a warm-up of 0 steps, 0/0 at step 0. */
    CHECK(CALL(gdopt_schedule_create)("one_cycle", &s) == GDOPT_OK);
    CHECK(CALL(gdopt_schedule_set)(s, "total_steps", 10) == GDOPT_OK &&
          CALL(gdopt_schedule_set)(s, "pct_start", 0.1) == GDOPT_OK);
    for (uint64_t step = 0; step < 12; step += 3)
        EXPECT_STATUS(GDOPT_ERR_INVALID, "gdopt_schedule_lr", "pct_start", CALL(gdopt_schedule_lr)(s, step, &lr));
    CHECK(lr == -1);
    CHECK(CALL(gdopt_schedule_set)(s, "pct_start", 0.3) == GDOPT_OK);
    CHECK(CALL(gdopt_schedule_lr)(s, 0, &lr) == GDOPT_OK && fabs(lr - 0.1 / 25) < 1e-15);
    /* Whole-number parameters. */
    const char *whole[][2] = {{"one_cycle", "total_steps"},      {"step", "step_size"},      {"cosine", "t_max"},
                              {"warmup_cosine", "warmup_steps"}, {"warmup_cosine", "t_max"}, {"plateau", "patience"}};
    const double bad[] = {10.5, -1, 1e300, 9007199254740994.0, NAN, INFINITY};
    for (size_t k = 0; k < sizeof whole / sizeof whole[0]; k++) {
        gdopt_schedule *w = NULL;
        CHECK(CALL(gdopt_schedule_create)(whole[k][0], &w) == GDOPT_OK);
        for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
            gdopt_status got = CALL(gdopt_schedule_set)(w, whole[k][1], bad[b]);
            check(got == GDOPT_ERR_INVALID && strstr(CALL(gdopt_last_error)(), whole[k][1]), whole[k][1], __LINE__);
        }
        CHECK(CALL(gdopt_schedule_set)(w, whole[k][1], 12) == GDOPT_OK);
        CALL(gdopt_schedule_destroy)(w);
    }
    /* base_lr 0 with a growing γ stays 0, as torch's 0·γ does, where γᵗ overflows. */
    CALL(gdopt_schedule_destroy)(s);
    CHECK(CALL(gdopt_schedule_create)("exponential", &s) == GDOPT_OK);
    CHECK(CALL(gdopt_schedule_set)(s, "base_lr", 0) == GDOPT_OK && CALL(gdopt_schedule_set)(s, "gamma", 2) == GDOPT_OK);
    CHECK(CALL(gdopt_schedule_lr)(s, 5000, &lr) == GDOPT_OK && lr == 0);
    CALL(gdopt_schedule_destroy)(s);
}

/* A node names one tape and one generation, for as long as the tape lives. */
static void test_tape_node_identity(void) {
    gdopt_tape *a = NULL, *b = NULL;
    double v[2] = {1, 2}, out[2];
    size_t shape[1] = {2};
    gdopt_node x = -1, y = -1, z = -1;
    CHECK(CALL(gdopt_tape_create)(GDOPT_F64, &a) == GDOPT_OK && CALL(gdopt_tape_create)(GDOPT_F64, &b) == GDOPT_OK);
    CHECK(CALL(gdopt_tape_variable_f64)(a, v, 1, shape, &x) == GDOPT_OK);
    CHECK(CALL(gdopt_tape_variable_f64)(b, v, 1, shape, &y) == GDOPT_OK);
    CHECK(x != y);
    EXPECT_STATUS(GDOPT_ERR_INVALID, "gdopt_tape_unary", "not on this tape",
                  CALL(gdopt_tape_unary)(b, GDOPT_EXP, x, &z));
    EXPECT_STATUS(GDOPT_ERR_INVALID, "gdopt_tape_value_f64", "not on this tape",
                  CALL(gdopt_tape_value_f64)(a, y, out, 2));
    EXPECT_STATUS(GDOPT_ERR_INVALID, "gdopt_tape_binary", "not on this tape",
                  CALL(gdopt_tape_binary)(a, GDOPT_ADD, x, y, &z));
    EXPECT_STATUS(GDOPT_ERR_INVALID, "gdopt_tape_unary", "node 0", CALL(gdopt_tape_unary)(a, GDOPT_EXP, 0, &z));
    /* Many clears later the first node is still refused, and the tape's new nodes work. */
    gdopt_node first = x;
    int cleared = 0;
    for (int i = 0; i < 5000; i++) cleared += CALL(gdopt_tape_clear)(a) == GDOPT_OK;
    CHECK(cleared == 5000);
    CHECK(CALL(gdopt_tape_variable_f64)(a, v, 1, shape, &x) == GDOPT_OK && x != first);
    EXPECT_STATUS(GDOPT_ERR_INVALID, "gdopt_tape_unary", "not on this tape",
                  CALL(gdopt_tape_unary)(a, GDOPT_EXP, first, &z));
    CHECK(CALL(gdopt_tape_unary)(a, GDOPT_EXP, x, &z) == GDOPT_OK && z != first);
    /* A tape created after another is destroyed never accepts the dead tape's nodes. */
    CALL(gdopt_tape_destroy)(b);
    for (int i = 0; i < 3; i++) {
        gdopt_tape *c = NULL;
        gdopt_node w = -1;
        CHECK(CALL(gdopt_tape_create)(GDOPT_F64, &c) == GDOPT_OK);
        CHECK(CALL(gdopt_tape_variable_f64)(c, v, 1, shape, &w) == GDOPT_OK && w != y);
        EXPECT_STATUS(GDOPT_ERR_INVALID, "gdopt_tape_value_f64", "not on this tape",
                      CALL(gdopt_tape_value_f64)(c, y, out, 2));
        CALL(gdopt_tape_destroy)(c);
    }
    CALL(gdopt_tape_destroy)(a);
}

static void test_hostile_input(void) {
    test_streamed_checkpoints();
    test_counts_checked_before_allocation();
    test_schedules_never_nan();
    test_tape_node_identity();
}

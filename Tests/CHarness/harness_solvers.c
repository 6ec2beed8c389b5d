/* The harness's solver checks for v1.1 (§9): bounds, ask/tell and solver checkpoints.
 * Included by harness.c (it uses CALL, CHECK, EXPECT_STATUS and rosenbrock). */

/* The solver's whole state as bytes, to check that a failed call changed nothing. */
typedef struct {
    unsigned char bytes[8192];
    size_t length;
} SolverState;

static SolverState solver_state(const gdopt_solver *s) {
    SolverState state = {{0}, 0};
    CALL(gdopt_solver_serialize)(s, state.bytes, sizeof state.bytes, &state.length);
    return state;
}

static int same_state(const SolverState *a, const SolverState *b) {
    return a->length == b->length && a->length > 0 && memcmp(a->bytes, b->bytes, a->length) == 0;
}

/* A solver error-table row: the status, a message naming the argument, no change. */
#define EXPECT_SOLVER_ERROR(status, function, argument, s, call)                                                       \
    do {                                                                                                               \
        SolverState before_ = solver_state(s);                                                                         \
        EXPECT_STATUS(status, function, argument, call);                                                               \
        SolverState after_ = solver_state(s);                                                                          \
        check(same_state(&before_, &after_), #call " changed the solver", __LINE__);                                   \
    } while (0)

/* Points f was called at, for comparing a callback run with an ask/tell run. */
enum { MAX_POINTS = 4096 };
typedef struct {
    int mode;
    size_t count;
    double points[MAX_POINTS][4];
    const double *lower, *upper;
    int outside;
} Recorder;

static double recorded_rosenbrock(size_t n, const double *x, double *grad, void *data) {
    Recorder *r = data;
    if (r->count < MAX_POINTS) memcpy(r->points[r->count], x, n * sizeof *x);
    r->count++;
    for (size_t i = 0; i < n && r->lower; i++) r->outside |= x[i] < r->lower[i] || x[i] > r->upper[i];
    return rosenbrock(n, x, grad, &r->mode);
}

/* Drives an ask/tell run to DONE, recording the EVALUATE points; the result's status. */
static gdopt_status drive(gdopt_solver *s, Recorder *r, double *x, size_t n, gdopt_result *res) {
    gdopt_task task = 0;
    double grad[4];
    while (CALL(gdopt_solver_ask)(s, x, n, &task) == GDOPT_OK && task != GDOPT_TASK_DONE) {
        if (task != GDOPT_TASK_EVALUATE) continue;
        double f = recorded_rosenbrock(n, x, grad, r);
        CALL(gdopt_solver_tell)(s, f, grad, n);
    }
    return CALL(gdopt_solver_result)(s, res);
}

static void test_solver_bounds_and_ask_tell(void) {
    const double lower[4] = {-2, -2, -2, -INFINITY}, upper[4] = {0.5, INFINITY, 0.5, 0.5};
    const double start[4] = {-1.2, 1, -1.2, 1};
    const char *methods[] = {"gd",    "gd_linesearch", "momentum",      "adam",
                             "lbfgs", "newton",        "random_search", "random_local_search"};
    static Recorder callback_run, ask_run;
    for (int m = 0; m < 8; m++) {
        for (int bounded = 0; bounded < 2; bounded++) {
            for (int differences = 0; differences < 2; differences++) {
                gdopt_solver *s = NULL;
                CHECK(CALL(gdopt_solver_create)(methods[m], &s) == GDOPT_OK);
                CHECK(CALL(gdopt_solver_set)(s, "max_iter", m == 5 ? 8 : 40) == GDOPT_OK);
                CHECK(CALL(gdopt_solver_set)(s, "lr", 1e-4) == GDOPT_OK);
                if (differences) CHECK(CALL(gdopt_solver_set)(s, "finite_differences", 1) == GDOPT_OK);
                if (bounded) CHECK(CALL(gdopt_solver_set_bounds)(s, lower, upper, 4) == GDOPT_OK);
                double x[4], y[4];
                memcpy(x, start, sizeof x);
                memcpy(y, start, sizeof y);
                callback_run = (Recorder){.mode = 1, .lower = bounded ? lower : NULL, .upper = upper};
                ask_run = callback_run;
                gdopt_result a, b;
                CHECK(CALL(gdopt_solver_minimize)(s, recorded_rosenbrock, &callback_run, x, 4, &a) == GDOPT_OK);
                CHECK(CALL(gdopt_solver_begin)(s, start, 4) == GDOPT_OK);
                CHECK(drive(s, &ask_run, y, 4, &b) == GDOPT_OK);
                /* The same points, bit for bit, the same counts, the same best point. */
                int same = callback_run.count == ask_run.count && callback_run.count <= MAX_POINTS &&
                           memcmp(callback_run.points, ask_run.points,
                                  callback_run.count * sizeof callback_run.points[0]) == 0;
                check(same && memcmp(x, y, sizeof x) == 0 && a.iterations == b.iterations &&
                          a.evaluations == b.evaluations && a.reason == b.reason && a.f == b.f,
                      methods[m], __LINE__);
                CHECK(a.evaluations == callback_run.count && !callback_run.outside && !ask_run.outside);
                for (int i = 0; bounded && i < 4; i++) CHECK(x[i] >= lower[i] && x[i] <= upper[i]);
                CALL(gdopt_solver_destroy)(s);
            }
        }
    }

    /* L-BFGS-B on Rosenbrock-4 in the box above: the projected gradient vanishes at the result. */
    gdopt_solver *s = NULL;
    double x[4] = {-1.2, 1, -1.2, 1}, g[4];
    int correct = 1;
    gdopt_result r;
    CHECK(CALL(gdopt_solver_create)("lbfgs", &s) == GDOPT_OK && CALL(gdopt_solver_set)(s, "gtol", 1e-9) == GDOPT_OK);
    CHECK(CALL(gdopt_solver_set_bounds)(s, lower, upper, 4) == GDOPT_OK);
    CHECK(CALL(gdopt_solver_minimize)(s, rosenbrock, &correct, x, 4, &r) == GDOPT_OK &&
          r.reason == GDOPT_CONVERGED_GTOL);
    rosenbrock(4, x, g, &correct);
    double projected = 0;
    for (int i = 0; i < 4; i++) {
        double step = fmin(upper[i], fmax(lower[i], x[i] - g[i])) - x[i];
        projected = fmax(projected, fabs(step));
    }
    /* (The result is the best point seen, which can be a trial point a hair lower than the
     * last iterate, whose projected gradient passed gtol.) */
    CHECK(projected <= 1e-8 && r.grad_norm == projected && x[0] == 0.5); /* x0 is held at its upper bound */

    /* The error table of the new calls: status, message, nothing changed. */
    double nan_bound[4] = {-1, NAN, -1, -1}, crossed[4] = {1, 0, 0, 0}, y[4], grad[4] = {0};
    gdopt_task task;
    size_t needed = 0, n = 0;
    EXPECT_SOLVER_ERROR(GDOPT_ERR_NULL, "gdopt_solver_set_bounds", "s", s,
                        CALL(gdopt_solver_set_bounds)(NULL, lower, upper, 4));
    EXPECT_SOLVER_ERROR(GDOPT_ERR_SIZE, "gdopt_solver_set_bounds", "n=0", s,
                        CALL(gdopt_solver_set_bounds)(s, lower, upper, 0));
    EXPECT_SOLVER_ERROR(GDOPT_ERR_INVALID, "gdopt_solver_set_bounds", "lower[1]", s,
                        CALL(gdopt_solver_set_bounds)(s, nan_bound, NULL, 4));
    EXPECT_SOLVER_ERROR(GDOPT_ERR_INVALID, "gdopt_solver_set_bounds", "lower[0]", s,
                        CALL(gdopt_solver_set_bounds)(s, crossed, upper, 4));
    EXPECT_SOLVER_ERROR(GDOPT_ERR_SIZE, "gdopt_solver_begin", "n=3", s, CALL(gdopt_solver_begin)(s, start, 3));
    EXPECT_SOLVER_ERROR(GDOPT_ERR_NULL, "gdopt_solver_begin", "x0", s, CALL(gdopt_solver_begin)(s, NULL, 4));
    EXPECT_SOLVER_ERROR(GDOPT_ERR_INVALID, "gdopt_solver_begin", "x0[1]", s, CALL(gdopt_solver_begin)(s, nan_bound, 4));
    CHECK(CALL(gdopt_solver_begin)(s, start, 4) == GDOPT_OK);
    EXPECT_SOLVER_ERROR(GDOPT_ERR_STATE, "gdopt_solver_result", "not done", s, CALL(gdopt_solver_result)(s, &r));
    EXPECT_SOLVER_ERROR(GDOPT_ERR_STATE, "gdopt_solver_tell", "ask first", s, CALL(gdopt_solver_tell)(s, 1, grad, 4));
    EXPECT_SOLVER_ERROR(GDOPT_ERR_STATE, "gdopt_solver_set", "run is going", s, CALL(gdopt_solver_set)(s, "gtol", 1));
    EXPECT_SOLVER_ERROR(GDOPT_ERR_STATE, "gdopt_solver_set_bounds", "run is going", s,
                        CALL(gdopt_solver_set_bounds)(s, NULL, NULL, 4));
    EXPECT_SOLVER_ERROR(GDOPT_ERR_STATE, "gdopt_solver_set_progress", "run is going", s,
                        CALL(gdopt_solver_set_progress)(s, stop_at_three, NULL));
    EXPECT_SOLVER_ERROR(GDOPT_ERR_STATE, "gdopt_solver_set_hessian", "run is going", s,
                        CALL(gdopt_solver_set_hessian)(s, NULL, NULL));
    EXPECT_SOLVER_ERROR(GDOPT_ERR_NULL, "gdopt_solver_ask", "x", s, CALL(gdopt_solver_ask)(s, NULL, 4, &task));
    EXPECT_SOLVER_ERROR(GDOPT_ERR_NULL, "gdopt_solver_ask", "task", s, CALL(gdopt_solver_ask)(s, y, 4, NULL));
    EXPECT_SOLVER_ERROR(GDOPT_ERR_SIZE, "gdopt_solver_ask", "n=5", s, CALL(gdopt_solver_ask)(s, y, 5, &task));
    CHECK(CALL(gdopt_solver_ask)(s, y, 4, &task) == GDOPT_OK && task == GDOPT_TASK_EVALUATE);
    EXPECT_SOLVER_ERROR(GDOPT_ERR_STATE, "gdopt_solver_ask", "tell is due", s, CALL(gdopt_solver_ask)(s, y, 4, &task));
    EXPECT_SOLVER_ERROR(GDOPT_ERR_NULL, "gdopt_solver_tell", "grad", s, CALL(gdopt_solver_tell)(s, 1, NULL, 4));
    EXPECT_SOLVER_ERROR(GDOPT_ERR_SIZE, "gdopt_solver_tell", "n=3", s, CALL(gdopt_solver_tell)(s, 1, grad, 3));
    EXPECT_SOLVER_ERROR(GDOPT_ERR_NULL, "gdopt_solver_serialize", "needed", s,
                        CALL(gdopt_solver_serialize)(s, NULL, 0, NULL));
    EXPECT_SOLVER_ERROR(GDOPT_ERR_SIZE, "gdopt_solver_serialize", "cap=3", s,
                        CALL(gdopt_solver_serialize)(s, y, 3, &needed));
    EXPECT_SOLVER_ERROR(GDOPT_ERR_NULL, "gdopt_solver_serialize", "buf", s,
                        CALL(gdopt_solver_serialize)(s, NULL, 100000, &needed));
    EXPECT_SOLVER_ERROR(GDOPT_ERR_FORMAT, "gdopt_solver_deserialize", "0 bytes", s,
                        CALL(gdopt_solver_deserialize)(s, y, 0));
    EXPECT_SOLVER_ERROR(GDOPT_ERR_NULL, "gdopt_solver_deserialize", "buf", s,
                        CALL(gdopt_solver_deserialize)(s, NULL, 10));
    EXPECT_SOLVER_ERROR(GDOPT_ERR_IO, "gdopt_solver_save", "not a regular file", s,
                        CALL(gdopt_solver_save)(s, "/dev/null"));
    EXPECT_SOLVER_ERROR(GDOPT_ERR_IO, "gdopt_solver_load", "not a regular file", s,
                        CALL(gdopt_solver_load)(s, "/dev/zero"));
    EXPECT_SOLVER_ERROR(GDOPT_ERR_IO, "gdopt_solver_load", "/nonexistent", s,
                        CALL(gdopt_solver_load)(s, "/nonexistent/solver.ckpt"));
    EXPECT_SOLVER_ERROR(GDOPT_ERR_NULL, "gdopt_solver_dimension", "n", s, CALL(gdopt_solver_dimension)(s, NULL));
    CHECK(CALL(gdopt_solver_dimension)(s, &n) == GDOPT_OK && n == 4);

    /* A NaN ends the run: CALLBACK, then DONE with the best point, and result is CALLBACK
     * with res filled. stop ends a run with STOPPED_BY_CALLBACK. */
    EXPECT_STATUS(GDOPT_ERR_CALLBACK, "gdopt_solver_tell", "NaN", CALL(gdopt_solver_tell)(s, NAN, grad, 4));
    CHECK(CALL(gdopt_solver_ask)(s, y, 4, &task) == GDOPT_OK && task == GDOPT_TASK_DONE && y[0] == start[0]);
    memset(&r, 0, sizeof r);
    CHECK(CALL(gdopt_solver_result)(s, &r) == GDOPT_ERR_CALLBACK && r.evaluations == 1 && r.iterations == 0);
    CHECK(CALL(gdopt_solver_begin)(s, start, 4) == GDOPT_OK && CALL(gdopt_solver_stop)(s) == GDOPT_OK);
    CHECK(CALL(gdopt_solver_ask)(s, y, 4, &task) == GDOPT_OK && task == GDOPT_TASK_DONE);
    CHECK(CALL(gdopt_solver_result)(s, &r) == GDOPT_OK && r.reason == GDOPT_STOPPED_BY_CALLBACK);
    CALL(gdopt_solver_destroy)(s);
    gdopt_solver *fresh = NULL;
    CHECK(CALL(gdopt_solver_create)("gd", &fresh) == GDOPT_OK);
    EXPECT_SOLVER_ERROR(GDOPT_ERR_STATE, "gdopt_solver_ask", "before begin", fresh,
                        CALL(gdopt_solver_ask)(fresh, y, 4, &task));
    EXPECT_SOLVER_ERROR(GDOPT_ERR_STATE, "gdopt_solver_stop", "before begin", fresh, CALL(gdopt_solver_stop)(fresh));
    CALL(gdopt_solver_destroy)(fresh);
}

/* A run checkpointed while a tell is due inside a line search, loaded in a new process
 * (a forked child with a new solver), continues bit for bit; and every truncation and bit
 * flip of a solver checkpoint is FORMAT and changes nothing. */
static void test_solver_checkpoints(void) {
    const double start[4] = {-1.2, 1, -1.2, 1}, lower[4] = {-2, -2, -2, -2}, upper[4] = {0.5, 2, 0.5, 2};
    const char *path = "build/harness-solver.ckpt";
    for (int bounded = 0; bounded < 2; bounded++) {
        static Recorder plain, resumed;
        plain = (Recorder){.mode = 1};
        resumed = plain;
        double x[4];
        gdopt_result expected, got;
        gdopt_solver *s = NULL;
        CHECK(CALL(gdopt_solver_create)("lbfgs", &s) == GDOPT_OK);
        if (bounded) CHECK(CALL(gdopt_solver_set_bounds)(s, lower, upper, 4) == GDOPT_OK);
        CHECK(CALL(gdopt_solver_begin)(s, start, 4) == GDOPT_OK && drive(s, &plain, x, 4, &expected) == GDOPT_OK);
        /* The same run, interrupted after 9 evaluations with the 10th asked for. */
        CHECK(CALL(gdopt_solver_begin)(s, start, 4) == GDOPT_OK);
        gdopt_task task = 0;
        double grad[4];
        while (resumed.count < 9 && CALL(gdopt_solver_ask)(s, x, 4, &task) == GDOPT_OK)
            if (task == GDOPT_TASK_EVALUATE)
                CALL(gdopt_solver_tell)(s, recorded_rosenbrock(4, x, grad, &resumed), grad, 4);
        do CHECK(CALL(gdopt_solver_ask)(s, x, 4, &task) == GDOPT_OK);
        while (task != GDOPT_TASK_EVALUATE);
        CHECK(CALL(gdopt_solver_save)(s, path) == GDOPT_OK);
        int pipe_ends[2];
        CHECK(pipe(pipe_ends) == 0);
        fflush(NULL);
        pid_t child = fork();
        if (child == 0) {
            gdopt_solver *other = NULL;
            int ok = CALL(gdopt_solver_create)("lbfgs", &other) == GDOPT_OK &&
                     CALL(gdopt_solver_load)(other, path) == GDOPT_OK;
            gdopt_result r = {0};
            ok = ok && drive(other, &resumed, x, 4, &r) == GDOPT_OK;
            size_t count = resumed.count;
            ok = ok && write(pipe_ends[1], &r, sizeof r) == sizeof r &&
                 write(pipe_ends[1], &count, sizeof count) == sizeof count &&
                 write(pipe_ends[1], resumed.points, count * sizeof resumed.points[0]) ==
                     (ssize_t)(count * sizeof resumed.points[0]) &&
                 write(pipe_ends[1], x, sizeof x) == sizeof x;
            _exit(ok ? 0 : 1);
        }
        close(pipe_ends[1]);
        size_t count = 0;
        double best[4];
        int status = 0, ok = read(pipe_ends[0], &got, sizeof got) == sizeof got &&
                             read(pipe_ends[0], &count, sizeof count) == sizeof count;
        ok = ok && count == plain.count;
        for (size_t done = 0, want = count * sizeof resumed.points[0]; ok && done < want;) {
            ssize_t part = read(pipe_ends[0], (char *)resumed.points + done, want - done);
            ok = part > 0;
            done += part > 0 ? (size_t)part : 0;
        }
        ok = ok && read(pipe_ends[0], best, sizeof best) == sizeof best;
        close(pipe_ends[0]);
        waitpid(child, &status, 0);
        CHECK(ok && WIFEXITED(status) && WEXITSTATUS(status) == 0);
        CHECK(ok && memcmp(plain.points, resumed.points, count * sizeof plain.points[0]) == 0);
        CHECK(got.f == expected.f && got.iterations == expected.iterations && got.evaluations == expected.evaluations &&
              got.reason == expected.reason);

        /* Corruption: every truncation and every single-bit flip is FORMAT, nothing changes. */
        SolverState good = solver_state(s), before;
        gdopt_solver *target = NULL;
        CHECK(CALL(gdopt_solver_create)("lbfgs", &target) == GDOPT_OK &&
              CALL(gdopt_solver_set)(target, "gtol", 0.5) == GDOPT_OK);
        before = solver_state(target);
        int all_rejected = good.length > 0;
        unsigned char bad[8192];
        for (size_t cut = 0; cut < good.length; cut++)
            all_rejected &= CALL(gdopt_solver_deserialize)(target, good.bytes, cut) == GDOPT_ERR_FORMAT;
        for (size_t bit = 0; bit < good.length * 8; bit++) {
            memcpy(bad, good.bytes, good.length);
            bad[bit / 8] ^= (unsigned char)(1u << (bit % 8));
            all_rejected &= CALL(gdopt_solver_deserialize)(target, bad, good.length) == GDOPT_ERR_FORMAT;
        }
        SolverState after = solver_state(target);
        CHECK(all_rejected && same_state(&before, &after));
        gdopt_solver *newton = NULL;
        CHECK(CALL(gdopt_solver_create)("newton", &newton) == GDOPT_OK);
        EXPECT_SOLVER_ERROR(GDOPT_ERR_FORMAT, "gdopt_solver_deserialize", "lbfgs", newton,
                            CALL(gdopt_solver_deserialize)(newton, good.bytes, good.length));
        CHECK(CALL(gdopt_solver_deserialize)(target, good.bytes, good.length) == GDOPT_OK);
        CALL(gdopt_solver_destroy)(newton);
        CALL(gdopt_solver_destroy)(target);
        CALL(gdopt_solver_destroy)(s);
    }
    unlink(path);
}

/* libFuzzer target, structure-aware: the input is a program of C-ABI calls across
 * optimizers, stateless kernels, schedules, helpers, the gradient check and solvers,
 * with hostile arguments: sizes that are 0, overflow or do not match, NULL pointers, NaN
 * and infinite values, names that do not exist, handles of the wrong kind or already
 * destroyed. (Sizes never exceed the buffers passed: that would be the caller's bug.)
 * The contract checked on each call:
 *  - it returns a documented status, with a message when it fails;
 *  - a failed optimizer call leaves the caller's params and the serialized state as they
 *    were; a failed kernel call leaves every buffer as it was;
 *  - a rate a schedule returns is never NaN;
 *  - a gradient check never passes with a NaN or Inf in either gradient. */
#include <math.h>

#include "fuzz_bytes.h"

/* MAX_CALLS: programs of at most 8 calls. Longer ones reach no call sequence that several
 * short inputs do not, and each call costs libFuzzer coverage bookkeeping: at 16 the
 * target ran 6.7k programs/s, at 8 about TODO. */
enum { N = 16, STATE_CAP = 4096, MAX_CALLS = 8 };

static const char *const kinds[] = {"sgd",      "adagrad", "rmsprop", "adam",  "adamw", "lion",      "adamax",
                                    "adadelta", "rprop",   "nadam",   "radam", "asgd",  "adafactor", ""};
static const char *const names[] = {"lr",
                                    "momentum",
                                    "dampening",
                                    "nesterov",
                                    "weight_decay",
                                    "maximize",
                                    "beta1",
                                    "beta2",
                                    "eps",
                                    "amsgrad",
                                    "alpha",
                                    "centered",
                                    "lr_decay",
                                    "initial_accumulator_value",
                                    "reject_nonfinite",
                                    "max_grad_norm",
                                    "momentum_decay",
                                    "decoupled_weight_decay",
                                    "lambd",
                                    "t0",
                                    "beta2_decay",
                                    "eps1",
                                    "eps2",
                                    "d",
                                    "bogus"};
static const char *const schedules[] = {"constant",     "step",      "exponential", "cosine", "warmup_cosine",
                                        "inverse_time", "one_cycle", "plateau",     "linear"};
static const char *const schedule_names[] = {
    "base_lr", "step_size", "gamma",       "t_max",     "eta_min",    "warmup_steps",
    "decay",   "max_lr",    "total_steps", "pct_start", "div_factor", "final_div_factor",
    "factor",  "patience",  "threshold",   "min_lr",    "x"};

/* A hostile double: ordinary values, boundaries, NaN, infinities, huge and tiny ones. */
static double pick_value(fuzz_bytes *in) {
    static const double table[] = {0,
                                   1,
                                   -1,
                                   0.5,
                                   0.9,
                                   0.999,
                                   1e-8,
                                   2,
                                   10,
                                   1e300,
                                   -1e300,
                                   1e-310,
                                   9007199254740992.0,
                                   9007199254740994.0,
                                   1e19,
                                   2.5,
                                   NAN,
                                   INFINITY,
                                   -INFINITY,
                                   0.1,
                                   100,
                                   1e4};
    uint8_t b = fuzz_byte(in);
    if (b < 2 * (sizeof table / sizeof table[0])) return table[b % (sizeof table / sizeof table[0])];
    return ((double)fuzz_byte(in) - 128) / (double)(1 + fuzz_byte(in));
}

/* n: usually within the buffers, now and then 0 or a size whose bytes overflow. */
static size_t pick_n(fuzz_bytes *in) {
    uint8_t b = fuzz_byte(in);
    if (b == 255) return SIZE_MAX;
    if (b == 254) return (size_t)1 << 62;
    if (b == 253) return 0;
    return 1 + b % N;
}

typedef struct {
    gdopt_optimizer *optimizer;
    gdopt_schedule *schedule;
    gdopt_solver *solver;
    float p32[N], g32[N];
    double p64[N], g64[N], s0[N], s1[N], s2[N];
    uint8_t state[STATE_CAP];
    /* The optimizer's serialized state as of its last change: only a call that succeeds
     * may change it, so it is taken again only after one. */
    uint8_t snapshot[STATE_CAP];
    size_t snapshot_len;
    int snapshot_stale;
} world;

static size_t optimizer_state(const world *w, uint8_t *out) {
    size_t len = 0;
    if (gdopt_optimizer_serialize(w->optimizer, out, STATE_CAP, &len) != GDOPT_OK) return (size_t)-1;
    return len;
}

/* One optimizer call; on failure the params and the state must be unchanged. */
static void optimizer_call(world *w, fuzz_bytes *in) {
    if (!w->optimizer) {
        fuzz_checked(gdopt_optimizer_create(kinds[fuzz_byte(in) % (sizeof kinds / sizeof *kinds)], &w->optimizer));
        w->snapshot_stale = 1;
        return;
    }
    float p32[N];
    double p64[N];
    memcpy(p32, w->p32, sizeof p32);
    memcpy(p64, w->p64, sizeof p64);
    if (w->snapshot_stale) w->snapshot_len = optimizer_state(w, w->snapshot), w->snapshot_stale = 0;
    size_t slot = fuzz_byte(in) % 4, n = pick_n(in);
    gdopt_status s;
    switch (fuzz_byte(in) % 10) {
    case 8: { /* a shape from the input, hostile sizes included */
        size_t rows = fuzz_byte(in) == 255 ? SIZE_MAX : fuzz_byte(in) % 5, cols = fuzz_byte(in) % 5;
        s = gdopt_optimizer_set_shape(w->optimizer, slot, rows, cols);
        break;
    }
    case 0:
        s = gdopt_optimizer_set(w->optimizer, names[fuzz_byte(in) % (sizeof names / sizeof *names)], pick_value(in));
        break;
    case 1: s = gdopt_optimizer_step_f32(w->optimizer, slot, w->p32, w->g32, n); break;
    case 2: s = gdopt_optimizer_step_f64(w->optimizer, slot, w->p64, w->g64, n); break;
    case 3: s = gdopt_optimizer_check_f32(w->optimizer, slot, w->p32, fuzz_byte(in) % 8 ? w->g32 : NULL, n); break;
    case 4: s = gdopt_optimizer_step_f64(w->optimizer, slot, fuzz_byte(in) % 8 ? w->p64 : NULL, w->g64, n); break;
    case 5: {
        size_t needed = 0, cap = fuzz_byte(in) % 2 ? 0 : fuzz_byte(in);
        s = gdopt_optimizer_serialize(w->optimizer, cap ? w->state : NULL, cap, &needed);
        FUZZ_REQUIRE(s != GDOPT_OK || cap == 0 || needed <= cap);
        break;
    }
    case 6: { /* the current checkpoint with one byte changed, and its CRC fixed or not */
        size_t len = optimizer_state(w, w->state);
        if (len == (size_t)-1 || len == 0) return;
        w->state[fuzz_byte(in) % len] ^= fuzz_byte(in);
        if (fuzz_byte(in) % 2) {
            uint32_t crc = fuzz_crc32(w->state, len - 4);
            for (int i = 0; i < 4; i++) w->state[len - 4 + i] = (uint8_t)(crc >> (8 * i));
        }
        s = gdopt_optimizer_deserialize(w->optimizer, w->state, len - fuzz_byte(in) % 2);
        break;
    }
    case 7: s = gdopt_optimizer_reset(w->optimizer); break;
    default: {
        double value = 0;
        s = gdopt_optimizer_get(w->optimizer, names[fuzz_byte(in) % (sizeof names / sizeof *names)], &value);
        break;
    }
    }
    if (fuzz_checked(s) != GDOPT_OK) {
        FUZZ_REQUIRE(memcmp(p32, w->p32, sizeof p32) == 0 && memcmp(p64, w->p64, sizeof p64) == 0);
        static uint8_t after[STATE_CAP];
        size_t after_len = optimizer_state(w, after);
        FUZZ_REQUIRE(after_len == w->snapshot_len &&
                     (after_len == (size_t)-1 || memcmp(w->snapshot, after, after_len) == 0));
    } else {
        w->snapshot_stale = 1;
    }
}

/* One stateless kernel call; on failure nothing changes. */
static void kernel_call(world *w, fuzz_bytes *in) {
    double saved[5][N];
    double *buffers[5] = {w->p64, w->g64, w->s0, w->s1, w->s2};
    for (int i = 0; i < 5; i++) memcpy(saved[i], buffers[i], sizeof saved[i]);
    /* nadam's and asgd's scalar state: hostile values too */
    double scalars[2] = {fuzz_byte(in) % 4 ? 1 : pick_value(in), fuzz_byte(in) % 4 ? 0.5 : pick_value(in)};
    const double saved_scalars[2] = {scalars[0], scalars[1]};
    size_t n = pick_n(in);
    uint64_t t = fuzz_byte(in) == 0 ? 0 : fuzz_byte(in) == 1 ? UINT64_MAX : (uint64_t)fuzz_byte(in) + 1;
    double lr = pick_value(in), a = pick_value(in), b = pick_value(in), c = pick_value(in), d = pick_value(in);
    int flag = fuzz_byte(in) % 3, flags = fuzz_byte(in) % 9;
    double *state = fuzz_byte(in) % 6 ? w->s0 : NULL;
    gdopt_status s;
    switch (fuzz_byte(in) % 13) {
    case 0: s = gdopt_sgd_update_f64(w->p64, w->g64, state, n, t, lr, a, b, c, flag, flags % 2); break;
    case 1: s = gdopt_adagrad_update_f64(w->p64, w->g64, state, n, t, lr, a, b, c, flag); break;
    case 2:
        s = gdopt_rmsprop_update_f64(w->p64, w->g64, state, w->s1, w->s2, n, lr, a, b, c, d, flag, flags % 2);
        break;
    case 3: s = gdopt_lion_update_f64(w->p64, w->g64, state, n, lr, a, b, c, flag); break;
    case 4: s = gdopt_adamax_update_f64(w->p64, w->g64, state, w->s1, n, t, lr, a, b, c, d, flag); break;
    case 5: s = gdopt_adadelta_update_f64(w->p64, w->g64, state, w->s1, n, lr, a, b, c, flag); break;
    case 6: s = gdopt_rprop_update_f64(w->p64, w->g64, state, w->s1, n, a, b, c, d, flag); break;
    case 7:
        s = gdopt_nadam_update_f64(w->p64, w->g64, state, w->s1, scalars, n, t, lr, a, b, c, d, pick_value(in), flag,
                                   flags % 2);
        break;
    case 8: s = gdopt_radam_update_f64(w->p64, w->g64, state, w->s1, n, t, lr, a, b, c, d, flag, flags % 2); break;
    case 9: s = gdopt_asgd_update_f64(w->p64, w->g64, state, scalars, scalars + 1, n, t, lr, a, b, c, d, flag); break;
    case 10: { /* a shape from the input: it must multiply to n, or the call refuses */
        size_t rows = fuzz_byte(in) % 5, cols = fuzz_byte(in) % 5;
        s = gdopt_adafactor_update_f64(w->p64, w->g64, state, w->s1, w->s2, n, rows, cols, t, lr, a, b, c, d,
                                       pick_value(in), flag);
        break;
    }
    default: s = gdopt_adam_update_f64(w->p64, w->g64, state, w->s1, w->s2, n, t, lr, a, b, c, d, flags); break;
    }
    if (fuzz_checked(s) != GDOPT_OK) {
        for (int i = 0; i < 5; i++) FUZZ_REQUIRE(memcmp(saved[i], buffers[i], sizeof saved[i]) == 0);
        FUZZ_REQUIRE(memcmp(saved_scalars, scalars, sizeof scalars) == 0);
    }
}

static void schedule_call(world *w, fuzz_bytes *in) {
    if (!w->schedule) {
        fuzz_checked(gdopt_schedule_create(schedules[fuzz_byte(in) % 9], &w->schedule));
        return;
    }
    double lr = 0;
    switch (fuzz_byte(in) % 4) {
    case 0: fuzz_checked(gdopt_schedule_set(w->schedule, schedule_names[fuzz_byte(in) % 17], pick_value(in))); break;
    case 1: fuzz_checked(gdopt_schedule_observe(w->schedule, pick_value(in))); break;
    default: {
        uint64_t step = fuzz_byte(in) == 255 ? UINT64_MAX : fuzz_byte(in);
        if (fuzz_checked(gdopt_schedule_lr(w->schedule, step, &lr)) == GDOPT_OK) FUZZ_REQUIRE(!isnan(lr));
    }
    }
}

/* f = Σ x², with a NaN or Inf planted in the value or the gradient when `data` asks. */
static double planted(size_t n, const double *x, double *grad, void *data) {
    int plant = *(const int *)data;
    double f = 0;
    for (size_t i = 0; i < n; i++) {
        f += x[i] * x[i];
        if (grad) grad[i] = 2 * x[i];
    }
    if (grad && plant == 1) grad[n / 2] = NAN;
    if (grad && plant == 2) grad[0] = INFINITY;
    return plant == 3 ? NAN : f;
}

static void helper_call(world *w, fuzz_bytes *in) {
    size_t n = pick_n(in);
    int plant = fuzz_byte(in) % 5;
    switch (fuzz_byte(in) % 4) {
    case 0: {
        gdopt_gradcheck_result res;
        gdopt_status s = fuzz_checked(gdopt_gradcheck(planted, &plant, w->p64, n, pick_value(in), &res));
        if (s == GDOPT_OK) FUZZ_REQUIRE(plant == 0 || plant == 4);
        break;
    }
    case 1: {
        double out[N];
        memcpy(out, w->s0, sizeof out);
        gdopt_status s = fuzz_checked(gdopt_numerical_gradient(planted, &plant, w->p64, n, pick_value(in), out));
        if (s != GDOPT_OK) FUZZ_REQUIRE(memcmp(out, w->s0, sizeof out) == 0);
        break;
    }
    case 2: {
        float *grads[3] = {w->g32, fuzz_byte(in) % 5 ? w->p32 : NULL, w->g32 + N / 2};
        size_t lens[3] = {N / 2, pick_n(in) % (N + 1), N / 2};
        size_t count = fuzz_byte(in) % 4;
        double norm = 0;
        fuzz_checked(gdopt_clip_grad_norm_f32(grads, lens, count == 0 && fuzz_byte(in) % 2 ? SIZE_MAX : count,
                                              pick_value(in), &norm));
        break;
    }
    default: {
        size_t perm[N];
        fuzz_checked(gdopt_shuffle(fuzz_byte(in), fuzz_byte(in), perm, n > N ? 0 : n));
    }
    }
}

static void solver_call(world *w, fuzz_bytes *in) {
    static const char *const methods[] = {
        "gd", "gd_linesearch", "momentum", "adam", "lbfgs", "newton", "random_search", "random_local_search", "cg"};
    static const char *const options[] = {
        "max_iter", "max_evals",          "gtol",     "ftol", "xtol", "lr", "memory", "seed", "lower", "upper", "c1",
        "c2",       "finite_differences", "momentum", "y"};
    if (!w->solver) {
        fuzz_checked(gdopt_solver_create(methods[fuzz_byte(in) % 9], &w->solver));
        return;
    }
    size_t n = pick_n(in);
    switch (fuzz_byte(in) % 6) {
    case 0: {
        /* memory and the iteration limits are capped at 20: more adds no branch, only time
         * and memory (memory = 1e4 asks for 4·10⁸ doubles of Gram matrices; max_iter = 2^53
         * is a run that does not end while a later set is refused, a run being open). */
        const char *option = options[fuzz_byte(in) % 15];
        double value = pick_value(in);
        int capped = !strcmp(option, "memory") || !strcmp(option, "max_iter") || !strcmp(option, "max_evals");
        if (capped && value > 20) value = fmod(value, 21);
        fuzz_checked(gdopt_solver_set(w->solver, option, value));
        break;
    }
    case 1: fuzz_checked(gdopt_solver_set_bounds(w->solver, fuzz_byte(in) % 2 ? w->s1 : NULL, w->s2, n)); break;
    case 2: {
        int plant = fuzz_byte(in) % 5;
        gdopt_result res;
        fuzz_checked(gdopt_solver_set(w->solver, "max_iter", 1 + fuzz_byte(in) % 8));
        fuzz_checked(gdopt_solver_minimize(w->solver, planted, &plant, w->p64, n, &res));
        break;
    }
    case 3: {
        int task = 0;
        fuzz_checked(gdopt_solver_begin(w->solver, w->p64, n));
        for (int k = 0; k < 8 && gdopt_solver_ask(w->solver, w->s0, N, &task) == GDOPT_OK; k++)
            fuzz_checked(gdopt_solver_tell(w->solver, pick_value(in), fuzz_byte(in) % 3 ? w->g64 : NULL, N));
        break;
    }
    case 4: {
        size_t needed = 0;
        if (fuzz_checked(gdopt_solver_serialize(w->solver, NULL, 0, &needed)) == GDOPT_OK && needed <= STATE_CAP &&
            fuzz_checked(gdopt_solver_serialize(w->solver, w->state, STATE_CAP, &needed)) == GDOPT_OK) {
            w->state[fuzz_byte(in) % needed] ^= fuzz_byte(in);
            fuzz_checked(gdopt_solver_deserialize(w->solver, w->state, needed));
        }
        break;
    }
    default: {
        gdopt_result res;
        fuzz_checked(gdopt_solver_result(w->solver, &res));
        fuzz_checked(gdopt_solver_stop(w->solver));
    }
    }
}

/* Handles of the wrong kind, and destroyed ones, are refused (never used as another kind). */
static void confusion_call(world *w, fuzz_bytes *in) {
    double value = 0;
    switch (fuzz_byte(in) % 4) {
    case 0:
        if (w->schedule) fuzz_checked(gdopt_optimizer_get((gdopt_optimizer *)w->schedule, "lr", &value));
        break;
    case 1:
        if (w->optimizer) fuzz_checked(gdopt_solver_set((gdopt_solver *)w->optimizer, "gtol", 1));
        break;
    case 2:
        gdopt_optimizer_destroy(w->optimizer);
        if (w->optimizer) FUZZ_REQUIRE(fuzz_checked(gdopt_optimizer_reset(w->optimizer)) == GDOPT_ERR_STATE);
        w->optimizer = NULL;
        break;
    default:
        gdopt_solver_destroy(w->solver);
        w->solver = NULL;
        gdopt_schedule_destroy(w->schedule);
        w->schedule = NULL;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_bytes in = {data, size, 0};
    static world w;
    memset(&w, 0, sizeof w);
    for (int i = 0; i < N; i++) {
        w.p32[i] = (float)(i - 5) * 0.25f, w.g32[i] = (float)(i % 3) - 1;
        w.p64[i] = (double)(i - 5) * 0.25, w.g64[i] = (double)(i % 3) - 1;
        w.s1[i] = -10, w.s2[i] = 10;
    }
    for (int calls = 0; calls < MAX_CALLS && !fuzz_done(&in); calls++) {
        switch (fuzz_byte(&in) % 6) {
        case 0: optimizer_call(&w, &in); break;
        case 1: kernel_call(&w, &in); break;
        case 2: schedule_call(&w, &in); break;
        case 3: helper_call(&w, &in); break;
        case 4: solver_call(&w, &in); break;
        default: confusion_call(&w, &in);
        }
    }
    gdopt_optimizer_destroy(w.optimizer);
    gdopt_schedule_destroy(w.schedule);
    gdopt_solver_destroy(w.solver);
    return 0;
}

/* The C harness: calls every exported function, good and bad inputs, through the linked
 * library (default build) or through dlopen + dlsym (-DGDOPT_HARNESS_DLOPEN). After each
 * failed call it checks that the caller's buffer and the optimizer's state are unchanged.
 * Ends with the line "N passed, N failed". */
#include <gdopt.h>
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api_functions.h"

#ifdef GDOPT_HARNESS_DLOPEN
#include <dlfcn.h>
#define DECLARE_POINTER(name) __typeof__(&name) name;
static struct {
    GDOPT_API_FUNCTIONS(DECLARE_POINTER)
} api;
#define CALL(name) api.name
static void *library;
static int load_library(const char *path) {
    library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        fprintf(stderr, "dlopen %s: %s\n", path, dlerror());
        return 0;
    }
#define RESOLVE(name)                                                                                                  \
    *(void **)&api.name = dlsym(library, #name);                                                                       \
    if (!api.name) {                                                                                                   \
        fprintf(stderr, "dlsym %s: not exported\n", #name);                                                            \
        return 0;                                                                                                      \
    }
    GDOPT_API_FUNCTIONS(RESOLVE)
    return 1;
}
#else
#define CALL(name) name
#endif

static int passed, failed;

static void check(int ok, const char *what, int line) {
    if (ok) {
        passed++;
    } else {
        failed++;
        fprintf(stderr, "FAIL line %d: %s (last error: %s)\n", line, what, CALL(gdopt_last_error)());
    }
}
#define CHECK(cond) check((cond), #cond, __LINE__)

/* ---- Snapshots: a failed call must change neither the buffer nor the state. ---- */

enum { N = 10 };
static float params[N], grads[N];
static gdopt_optimizer *opt; /* the optimizer the error cases run against */

typedef struct {
    float params[N];
    unsigned char state[4096];
    size_t state_len;
} Snapshot;

static Snapshot snapshot(void) {
    Snapshot s;
    memcpy(s.params, params, sizeof params);
    s.state_len = 0;
    CALL(gdopt_optimizer_serialize)(opt, s.state, sizeof s.state, &s.state_len);
    return s;
}

static int unchanged(const Snapshot *before) {
    Snapshot after = snapshot();
    return memcmp(before->params, after.params, sizeof params) == 0 && before->state_len == after.state_len &&
           memcmp(before->state, after.state, after.state_len) == 0;
}

/* One row of the error table: run `call`, expect `status`, a message that starts with
 * the function's name and names `argument`, and no change to params or state. */
#define EXPECT_ERROR(status, function, argument, call)                                                                 \
    do {                                                                                                               \
        Snapshot before_ = snapshot();                                                                                 \
        gdopt_status got_ = (call);                                                                                    \
        const char *message_ = CALL(gdopt_last_error)();                                                               \
        int ok_ = got_ == (status) && strncmp(message_, function ": ", strlen(function ": ")) == 0 &&                  \
                  strstr(message_, argument) != NULL && unchanged(&before_);                                           \
        if (!ok_) fprintf(stderr, "  got %s, message \"%s\"\n", CALL(gdopt_status_name)(got_), message_);              \
        check(ok_, #call " -> " #status " naming " argument, __LINE__);                                                \
    } while (0)

/* A row of the error table for calls without an optimizer: status and message only. */
#define EXPECT_STATUS(status, function, argument, call)                                                                \
    do {                                                                                                               \
        gdopt_status got_ = (call);                                                                                    \
        const char *message_ = CALL(gdopt_last_error)();                                                               \
        int ok_ = got_ == (status) && strncmp(message_, function ": ", strlen(function ": ")) == 0 &&                  \
                  strstr(message_, argument) != NULL;                                                                  \
        if (!ok_) fprintf(stderr, "  got %s, message \"%s\"\n", CALL(gdopt_status_name)(got_), message_);              \
        check(ok_, #call " -> " #status " naming " argument, __LINE__);                                                \
    } while (0)

static void fill(void) {
    for (int i = 0; i < N; i++) {
        params[i] = 0.1f * (float)i - 0.3f;
        grads[i] = 0.05f * (float)(i % 3) - 0.04f;
    }
}

static void test_library_functions(void) {
    char expected[32];
    snprintf(expected, sizeof expected, "%d.%d.%d", GDOPT_VERSION_MAJOR, GDOPT_VERSION_MINOR, GDOPT_VERSION_PATCH);
    CHECK(strcmp(CALL(gdopt_version)(), expected) == 0);
    CHECK(CALL(gdopt_abi_version)() == GDOPT_ABI_VERSION);
    const char *info = CALL(gdopt_build_info)();
    CHECK(info != NULL && info == CALL(gdopt_build_info)());
    CHECK(strstr(info, "matrix products: OpenBLAS") != NULL ||
          (strstr(info, "matrix products: libxsmm") != NULL && strstr(info, "BLIS") != NULL));
    CHECK(strstr(info, "LAPACK: OpenBLAS, core ") != NULL && strstr(info, "gdopt kernels: ") != NULL);
    const char *names[] = {
        "GDOPT_OK",         "GDOPT_ERR_NULL", "GDOPT_ERR_INVALID", "GDOPT_ERR_SIZE",     "GDOPT_ERR_NONFINITE",
        "GDOPT_ERR_FORMAT", "GDOPT_ERR_IO",   "GDOPT_ERR_MEMORY",  "GDOPT_ERR_CALLBACK", "GDOPT_ERR_STATE"};
    for (int s = 0; s <= GDOPT_ERR_STATE; s++) CHECK(strcmp(CALL(gdopt_status_name)(s), names[s]) == 0);
    CHECK(strcmp(CALL(gdopt_status_name)(-1), "GDOPT_UNKNOWN_STATUS") == 0);
    CHECK(strcmp(CALL(gdopt_status_name)(10), "GDOPT_UNKNOWN_STATUS") == 0);
    CHECK(CALL(gdopt_set_num_threads)(2) == GDOPT_OK);
    CHECK(CALL(gdopt_set_num_threads)(0) == GDOPT_OK);
}

static void test_error_table(void) {
    gdopt_optimizer *scratch = NULL;
    double value = 0;
    size_t needed = 0;
    float m[N] = {0}, v[N] = {0};
    unsigned char garbage[64] = {1, 2, 3};

    CHECK(CALL(gdopt_optimizer_create)("adam", &opt) == GDOPT_OK);
    CHECK(CALL(gdopt_optimizer_step_f32)(opt, 0, params, grads, N) == GDOPT_OK); /* slot 0: n=10, float32 */

    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_optimizer_create", "kind", CALL(gdopt_optimizer_create)(NULL, &scratch));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_optimizer_create", "out", CALL(gdopt_optimizer_create)("adam", NULL));
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_optimizer_create", "lbfgs", CALL(gdopt_optimizer_create)("lbfgs", &scratch));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_optimizer_set", "o", CALL(gdopt_optimizer_set)(NULL, "lr", 0.1));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_optimizer_set", "name", CALL(gdopt_optimizer_set)(opt, NULL, 0.1));
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_optimizer_set", "momentum", CALL(gdopt_optimizer_set)(opt, "momentum", 0.1));
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_optimizer_set", "lr=nan", CALL(gdopt_optimizer_set)(opt, "lr", NAN));
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_optimizer_set", "lr=-1", CALL(gdopt_optimizer_set)(opt, "lr", -1));
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_optimizer_set", "lr=inf", CALL(gdopt_optimizer_set)(opt, "lr", INFINITY));
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_optimizer_set", "beta1=1", CALL(gdopt_optimizer_set)(opt, "beta1", 1));
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_optimizer_set", "eps=-", CALL(gdopt_optimizer_set)(opt, "eps", -1e-8));
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_optimizer_set", "amsgrad=0.5",
                 CALL(gdopt_optimizer_set)(opt, "amsgrad", 0.5));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_optimizer_get", "value", CALL(gdopt_optimizer_get)(opt, "lr", NULL));
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_optimizer_get", "nope", CALL(gdopt_optimizer_get)(opt, "nope", &value));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_optimizer_step_f32", "o",
                 CALL(gdopt_optimizer_step_f32)(NULL, 0, params, grads, N));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_optimizer_step_f32", "params",
                 CALL(gdopt_optimizer_step_f32)(opt, 0, NULL, grads, N));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_optimizer_step_f32", "grads",
                 CALL(gdopt_optimizer_step_f32)(opt, 0, params, NULL, N));
    EXPECT_ERROR(GDOPT_ERR_SIZE, "gdopt_optimizer_step_f32", "n=0",
                 CALL(gdopt_optimizer_step_f32)(opt, 0, params, grads, 0));
    EXPECT_ERROR(GDOPT_ERR_SIZE, "gdopt_optimizer_step_f32", "n=18446744073709551615",
                 CALL(gdopt_optimizer_step_f32)(opt, 0, params, grads, SIZE_MAX));
    EXPECT_ERROR(GDOPT_ERR_SIZE, "gdopt_optimizer_step_f32", "n=4611686018427387904",
                 CALL(gdopt_optimizer_step_f32)(opt, 0, params, grads, SIZE_MAX / 4 + 1));
    EXPECT_ERROR(GDOPT_ERR_SIZE, "gdopt_optimizer_step_f32", "slot 0 was created with n=10, got n=9",
                 CALL(gdopt_optimizer_step_f32)(opt, 0, params, grads, N - 1));
    EXPECT_ERROR(
        GDOPT_ERR_INVALID, "gdopt_optimizer_step_f64", "slot 0 was created with dtype float32, got float64",
        CALL(gdopt_optimizer_step_f64)(opt, 0, (double *)(void *)params, (const double *)(const void *)grads, N / 2));
    CHECK(CALL(gdopt_optimizer_set)(opt, "reject_nonfinite", 1) == GDOPT_OK);
    grads[3] = NAN;
    EXPECT_ERROR(GDOPT_ERR_NONFINITE, "gdopt_optimizer_step_f32", "grads",
                 CALL(gdopt_optimizer_step_f32)(opt, 0, params, grads, N));
    grads[3] = INFINITY;
    EXPECT_ERROR(GDOPT_ERR_NONFINITE, "gdopt_optimizer_step_f32", "grads",
                 CALL(gdopt_optimizer_step_f32)(opt, 0, params, grads, N));
    EXPECT_ERROR(GDOPT_ERR_NONFINITE, "gdopt_optimizer_check_f32", "grads",
                 CALL(gdopt_optimizer_check_f32)(opt, 0, params, grads, N));
    fill();
    CHECK(CALL(gdopt_optimizer_check_f32)(opt, 0, params, grads, N) == GDOPT_OK);
    CHECK(CALL(gdopt_optimizer_check_f32)(opt, 99, params, grads, 3) == GDOPT_OK); /* a new slot: any n */
    EXPECT_ERROR(GDOPT_ERR_SIZE, "gdopt_optimizer_check_f32", "slot 0 was created with n=10, got n=9",
                 CALL(gdopt_optimizer_check_f32)(opt, 0, params, grads, N - 1));
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_optimizer_check_f64", "dtype",
                 CALL(gdopt_optimizer_check_f64)(opt, 0, (double *)m, (double *)v, 2));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_optimizer_check_f64", "params",
                 CALL(gdopt_optimizer_check_f64)(opt, 0, NULL, (double *)v, 2));
    fill();
    EXPECT_ERROR(GDOPT_ERR_SIZE, "gdopt_optimizer_serialize", "cap=1",
                 CALL(gdopt_optimizer_serialize)(opt, garbage, 1, &needed));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_optimizer_serialize", "needed",
                 CALL(gdopt_optimizer_serialize)(opt, NULL, 0, NULL));
    EXPECT_ERROR(GDOPT_ERR_FORMAT, "gdopt_optimizer_deserialize", "checkpoint",
                 CALL(gdopt_optimizer_deserialize)(opt, garbage, sizeof garbage));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_optimizer_deserialize", "buf",
                 CALL(gdopt_optimizer_deserialize)(opt, NULL, 10));
    /* len = 0 is a truncated checkpoint (v1.1, §8: FORMAT; it was SIZE in v1.0). */
    EXPECT_ERROR(GDOPT_ERR_FORMAT, "gdopt_optimizer_deserialize", "0 bytes",
                 CALL(gdopt_optimizer_deserialize)(opt, garbage, 0));
    EXPECT_ERROR(GDOPT_ERR_IO, "gdopt_optimizer_load", "/nonexistent/x.ckpt",
                 CALL(gdopt_optimizer_load)(opt, "/nonexistent/x.ckpt"));
    EXPECT_ERROR(GDOPT_ERR_IO, "gdopt_optimizer_save", "/nonexistent/x.ckpt",
                 CALL(gdopt_optimizer_save)(opt, "/nonexistent/x.ckpt"));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_optimizer_save", "path", CALL(gdopt_optimizer_save)(opt, NULL));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_optimizer_reset", "o", CALL(gdopt_optimizer_reset)(NULL));

    /* NULL in every pointer position of the optimizer calls. */
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_optimizer_get", "o", CALL(gdopt_optimizer_get)(NULL, "lr", &value));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_optimizer_get", "name", CALL(gdopt_optimizer_get)(opt, NULL, &value));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_optimizer_step_f64", "o",
                 CALL(gdopt_optimizer_step_f64)(NULL, 1, (double *)m, (double *)v, 2));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_optimizer_step_f64", "params",
                 CALL(gdopt_optimizer_step_f64)(opt, 1, NULL, (double *)v, 2));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_optimizer_step_f64", "grads",
                 CALL(gdopt_optimizer_step_f64)(opt, 1, (double *)m, NULL, 2));
    EXPECT_ERROR(GDOPT_ERR_SIZE, "gdopt_optimizer_step_f64", "n=0",
                 CALL(gdopt_optimizer_step_f64)(opt, 1, (double *)m, (double *)v, 0));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_optimizer_save", "o", CALL(gdopt_optimizer_save)(NULL, "/tmp/x.ckpt"));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_optimizer_load", "o", CALL(gdopt_optimizer_load)(NULL, "/tmp/x.ckpt"));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_optimizer_load", "path", CALL(gdopt_optimizer_load)(opt, NULL));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_optimizer_serialize", "o",
                 CALL(gdopt_optimizer_serialize)(NULL, NULL, 0, &needed));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_optimizer_serialize", "buf",
                 CALL(gdopt_optimizer_serialize)(opt, NULL, 100000, &needed));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_optimizer_deserialize", "o",
                 CALL(gdopt_optimizer_deserialize)(NULL, garbage, 10));
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_optimizer_step_f32", "o is not a gdopt_optimizer",
                 CALL(gdopt_optimizer_step_f32)((gdopt_optimizer *)(void *)garbage, 0, params, grads, N));

    /* Stateless kernels. */
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_adam_update_f32", "t=0",
                 CALL(gdopt_adam_update_f32)(params, grads, m, v, NULL, N, 0, 1e-3, 0.9, 0.999, 1e-8, 0, 0));
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_adam_update_f32", "lr=nan",
                 CALL(gdopt_adam_update_f32)(params, grads, m, v, NULL, N, 1, NAN, 0.9, 0.999, 1e-8, 0, 0));
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_adam_update_f32", "beta1=1",
                 CALL(gdopt_adam_update_f32)(params, grads, m, v, NULL, N, 1, 1e-3, 1.0, 0.999, 1e-8, 0, 0));
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_adam_update_f32", "eps=-1",
                 CALL(gdopt_adam_update_f32)(params, grads, m, v, NULL, N, 1, 1e-3, 0.9, 0.999, -1, 0, 0));
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_adam_update_f32", "flags=8",
                 CALL(gdopt_adam_update_f32)(params, grads, m, v, NULL, N, 1, 1e-3, 0.9, 0.999, 1e-8, 0, 8));
    EXPECT_ERROR(
        GDOPT_ERR_NULL, "gdopt_adam_update_f32", "vmax",
        CALL(gdopt_adam_update_f32)(params, grads, m, v, NULL, N, 1, 1e-3, 0.9, 0.999, 1e-8, 0, GDOPT_ADAM_AMSGRAD));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_adam_update_f32", "m",
                 CALL(gdopt_adam_update_f32)(params, grads, NULL, v, NULL, N, 1, 1e-3, 0.9, 0.999, 1e-8, 0, 0));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_sgd_update_f32", "momentum_buf",
                 CALL(gdopt_sgd_update_f32)(params, grads, NULL, N, 1, 0.1, 0.9, 0, 0, 0, 0));
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_sgd_update_f32", "nesterov=2",
                 CALL(gdopt_sgd_update_f32)(params, grads, m, N, 1, 0.1, 0.9, 0, 0, 2, 0));
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_sgd_update_f32", "nesterov=1 needs momentum > 0",
                 CALL(gdopt_sgd_update_f32)(params, grads, m, N, 1, 0.1, 0, 0, 0, 1, 0));
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_sgd_update_f32", "lr=-1",
                 CALL(gdopt_sgd_update_f32)(params, grads, NULL, N, 1, -1, 0, 0, 0, 0, 0));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_adam_update_f64", "p",
                 CALL(gdopt_adam_update_f64)(NULL, (double *)grads, (double *)m, (double *)v, NULL, 2, 1, 1e-3, 0.9,
                                             0.999, 1e-8, 0, 0));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_adam_update_f64", "g",
                 CALL(gdopt_adam_update_f64)((double *)params, NULL, (double *)m, (double *)v, NULL, 2, 1, 1e-3, 0.9,
                                             0.999, 1e-8, 0, 0));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_adam_update_f32", "v",
                 CALL(gdopt_adam_update_f32)(params, grads, m, NULL, NULL, N, 1, 1e-3, 0.9, 0.999, 1e-8, 0, 0));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_sgd_update_f32", "p",
                 CALL(gdopt_sgd_update_f32)(NULL, grads, NULL, N, 1, 0.1, 0, 0, 0, 0, 0));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_sgd_update_f64", "g",
                 CALL(gdopt_sgd_update_f64)((double *)params, NULL, NULL, 2, 1, 0.1, 0, 0, 0, 0, 0));
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_sgd_update_f64", "t=0",
                 CALL(gdopt_sgd_update_f64)((double *)params, (double *)grads, NULL, 2, 0, 0.1, 0, 0, 0, 0, 0));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_adagrad_update_f32", "g",
                 CALL(gdopt_adagrad_update_f32)(params, NULL, m, N, 1, 0.1, 0, 0, 1e-10, 0));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_adagrad_update_f64", "p",
                 CALL(gdopt_adagrad_update_f64)(NULL, (double *)grads, (double *)m, 2, 1, 0.1, 0, 0, 1e-10, 0));
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_adagrad_update_f32", "lr_decay=-1",
                 CALL(gdopt_adagrad_update_f32)(params, grads, m, N, 1, 0.1, -1, 0, 1e-10, 0));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_rmsprop_update_f32", "square_avg",
                 CALL(gdopt_rmsprop_update_f32)(params, grads, NULL, NULL, NULL, N, 0.01, 0.99, 1e-8, 0, 0, 0, 0));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_rmsprop_update_f64", "momentum_buf",
                 CALL(gdopt_rmsprop_update_f64)((double *)params, (double *)grads, (double *)v, NULL, NULL, 2, 0.01,
                                                0.99, 1e-8, 0, 0.5, 0, 0));
    EXPECT_ERROR(GDOPT_ERR_SIZE, "gdopt_rmsprop_update_f64", "n=",
                 CALL(gdopt_rmsprop_update_f64)((double *)params, (double *)grads, (double *)v, NULL, NULL, SIZE_MAX,
                                                0.01, 0.99, 1e-8, 0, 0, 0, 0));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_adagrad_update_f32", "sum",
                 CALL(gdopt_adagrad_update_f32)(params, grads, NULL, N, 1, 0.1, 0, 0, 1e-10, 0));
    EXPECT_ERROR(GDOPT_ERR_SIZE, "gdopt_adagrad_update_f32", "n=0",
                 CALL(gdopt_adagrad_update_f32)(params, grads, m, 0, 1, 0.1, 0, 0, 1e-10, 0));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_rmsprop_update_f32", "grad_avg",
                 CALL(gdopt_rmsprop_update_f32)(params, grads, v, NULL, NULL, N, 0.01, 0.99, 1e-8, 0, 0, 1, 0));
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_rmsprop_update_f32", "alpha=-",
                 CALL(gdopt_rmsprop_update_f32)(params, grads, v, NULL, NULL, N, 0.01, -0.5, 1e-8, 0, 0, 0, 0));
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_rmsprop_update_f32", "maximize=3",
                 CALL(gdopt_rmsprop_update_f32)(params, grads, v, NULL, NULL, N, 0.01, 0.99, 1e-8, 0, 0, 0, 3));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_lion_update_f32", "exp_avg",
                 CALL(gdopt_lion_update_f32)(params, grads, NULL, N, 1e-4, 0.9, 0.99, 0, 0));
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_lion_update_f32", "beta2=1",
                 CALL(gdopt_lion_update_f32)(params, grads, m, N, 1e-4, 0.9, 1.0, 0, 0));
    EXPECT_ERROR(GDOPT_ERR_SIZE, "gdopt_lion_update_f64", "n=0",
                 CALL(gdopt_lion_update_f64)((double *)params, (double *)grads, (double *)m, 0, 1e-4, 0.9, 0.99, 0, 0));
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_lion_update_f64", "maximize=2",
                 CALL(gdopt_lion_update_f64)((double *)params, (double *)grads, (double *)m, 2, 1e-4, 0.9, 0.99, 0, 2));

    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_adamax_update_f32", "exp_inf",
                 CALL(gdopt_adamax_update_f32)(params, grads, m, NULL, N, 1, 2e-3, 0.9, 0.999, 1e-8, 0, 0));
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_adamax_update_f32", "t=0",
                 CALL(gdopt_adamax_update_f32)(params, grads, m, v, N, 0, 2e-3, 0.9, 0.999, 1e-8, 0, 0));
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_adamax_update_f64", "eps=-1",
                 CALL(gdopt_adamax_update_f64)((double *)params, (double *)grads, (double *)m, (double *)v, 2, 1, 2e-3,
                                               0.9, 0.999, -1, 0, 0));

    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_adadelta_update_f32", "acc_delta",
                 CALL(gdopt_adadelta_update_f32)(params, grads, m, NULL, N, 1, 0.9, 1e-6, 0, 0));
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_adadelta_update_f32", "rho=1.5",
                 CALL(gdopt_adadelta_update_f32)(params, grads, m, v, N, 1, 1.5, 1e-6, 0, 0));
    EXPECT_ERROR(GDOPT_ERR_SIZE, "gdopt_adadelta_update_f64", "n=0",
                 CALL(gdopt_adadelta_update_f64)((double *)params, (double *)grads, (double *)m, (double *)v, 0, 1, 0.9,
                                                 1e-6, 0, 0));

    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_rprop_update_f32", "step_size",
                 CALL(gdopt_rprop_update_f32)(params, grads, m, NULL, N, 0.5, 1.2, 1e-6, 50, 0));
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_rprop_update_f32", "eta_plus",
                 CALL(gdopt_rprop_update_f32)(params, grads, m, v, N, 0.5, 0.9, 1e-6, 50, 0));
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_rprop_update_f64", "eta_minus=0",
                 CALL(gdopt_rprop_update_f64)((double *)params, (double *)grads, (double *)m, (double *)v, 2, 0, 1.2,
                                              1e-6, 50, 0));

    double product = 1, eta = 0.01, mu = 1;
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_nadam_update_f32", "mu_product",
                 CALL(gdopt_nadam_update_f32)(params, grads, m, v, NULL, N, 1, 2e-3, 0.9, 0.999, 1e-8, 0, 4e-3, 0, 0));
    product = 1.5;
    EXPECT_ERROR(
        GDOPT_ERR_INVALID, "gdopt_nadam_update_f32", "mu_product=1.5",
        CALL(gdopt_nadam_update_f32)(params, grads, m, v, &product, N, 1, 2e-3, 0.9, 0.999, 1e-8, 0, 4e-3, 0, 0));
    CHECK(product == 1.5); /* a failed call leaves the scalar state as it was */
    product = NAN;
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_nadam_update_f64", "mu_product=nan",
                 CALL(gdopt_nadam_update_f64)((double *)params, (double *)grads, (double *)m, (double *)v, &product, 2,
                                              1, 2e-3, 0.9, 0.999, 1e-8, 0, 4e-3, 0, 0));
    product = 1;
    EXPECT_ERROR(
        GDOPT_ERR_INVALID, "gdopt_nadam_update_f32", "decoupled_weight_decay=2",
        CALL(gdopt_nadam_update_f32)(params, grads, m, v, &product, N, 1, 2e-3, 0.9, 0.999, 1e-8, 0, 4e-3, 2, 0));
    EXPECT_ERROR(
        GDOPT_ERR_INVALID, "gdopt_nadam_update_f32", "momentum_decay=-1",
        CALL(gdopt_nadam_update_f32)(params, grads, m, v, &product, N, 1, 2e-3, 0.9, 0.999, 1e-8, 0, -1, 0, 0));
    CHECK(product == 1);
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_radam_update_f32", "exp_avg_sq",
                 CALL(gdopt_radam_update_f32)(params, grads, m, NULL, N, 1, 1e-3, 0.9, 0.999, 1e-8, 0, 0, 0));
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_radam_update_f64", "t=0",
                 CALL(gdopt_radam_update_f64)((double *)params, (double *)grads, (double *)m, (double *)v, 2, 0, 1e-3,
                                              0.9, 0.999, 1e-8, 0, 0, 0));
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_radam_update_f32", "beta2=1",
                 CALL(gdopt_radam_update_f32)(params, grads, m, v, N, 1, 1e-3, 0.9, 1, 1e-8, 0, 0, 0));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_asgd_update_f32", "eta",
                 CALL(gdopt_asgd_update_f32)(params, grads, m, NULL, &mu, N, 1, 0.01, 1e-4, 0.75, 1e6, 0, 0));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_asgd_update_f32", "mu",
                 CALL(gdopt_asgd_update_f32)(params, grads, m, &eta, NULL, N, 1, 0.01, 1e-4, 0.75, 1e6, 0, 0));
    eta = -1;
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_asgd_update_f32", "eta=-1",
                 CALL(gdopt_asgd_update_f32)(params, grads, m, &eta, &mu, N, 1, 0.01, 1e-4, 0.75, 1e6, 0, 0));
    eta = INFINITY;
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_asgd_update_f64", "eta=inf",
                 CALL(gdopt_asgd_update_f64)((double *)params, (double *)grads, (double *)m, &eta, &mu, 2, 1, 0.01,
                                             1e-4, 0.75, 1e6, 0, 0));
    eta = 0.01, mu = 2;
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_asgd_update_f32", "mu=2",
                 CALL(gdopt_asgd_update_f32)(params, grads, m, &eta, &mu, N, 1, 0.01, 1e-4, 0.75, 1e6, 0, 0));
    mu = 1;
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_asgd_update_f32", "t0=nan",
                 CALL(gdopt_asgd_update_f32)(params, grads, m, &eta, &mu, N, 1, 0.01, 1e-4, 0.75, NAN, 0, 0));
    CHECK(eta == 0.01 && mu == 1);

    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_adafactor_update_f32", "variance",
                 CALL(gdopt_adafactor_update_f32)(params, grads, m, v, NULL, N, 0, 0, 1, 0.01, -0.8, 0, 1e-3, 1, 0, 0));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_adafactor_update_f32", "col_var",
                 CALL(gdopt_adafactor_update_f32)(params, grads, m, NULL, v, 2, 1, 2, 1, 0.01, -0.8, 0, 1e-3, 1, 0, 0));
    EXPECT_ERROR(GDOPT_ERR_SIZE, "gdopt_adafactor_update_f32", "rows=2 x cols=3",
                 CALL(gdopt_adafactor_update_f32)(params, grads, m, v, NULL, N, 2, 3, 1, 0.01, -0.8, 0, 1e-3, 1, 0, 0));
    EXPECT_ERROR(GDOPT_ERR_SIZE, "gdopt_adafactor_update_f64", "must be positive",
                 CALL(gdopt_adafactor_update_f64)((double *)params, (double *)grads, (double *)m, (double *)v, NULL, 2,
                                                  0, 2, 1, 0.01, -0.8, 0, 1e-3, 1, 0, 0));
    EXPECT_ERROR(
        GDOPT_ERR_INVALID, "gdopt_adafactor_update_f32", "beta2_decay=0.5",
        CALL(gdopt_adafactor_update_f32)(params, grads, NULL, NULL, v, N, 0, 0, 1, 0.01, 0.5, 0, 1e-3, 1, 0, 0));
    EXPECT_ERROR(
        GDOPT_ERR_INVALID, "gdopt_adafactor_update_f32", "d=0.5",
        CALL(gdopt_adafactor_update_f32)(params, grads, NULL, NULL, v, N, 0, 0, 1, 0.01, -0.8, 0, 1e-3, 0.5, 0, 0));

    /* Shapes: set before a slot's first step, checked against its n, kept by reset. */
    gdopt_optimizer *shaped = NULL;
    CHECK(CALL(gdopt_optimizer_create)("adafactor", &shaped) == GDOPT_OK);
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_optimizer_set_shape", "rows=0",
                 CALL(gdopt_optimizer_set_shape)(shaped, 0, 0, 4));
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_optimizer_set_shape", "must be > 0",
                 CALL(gdopt_optimizer_set_shape)(shaped, 0, SIZE_MAX / 2, 3));
    CHECK(CALL(gdopt_optimizer_set_shape)(shaped, 0, 2, 3) == GDOPT_OK);
    EXPECT_ERROR(GDOPT_ERR_SIZE, "gdopt_optimizer_step_f32", "shape 2x3",
                 CALL(gdopt_optimizer_step_f32)(shaped, 0, params, grads, N));
    CALL(gdopt_optimizer_destroy)(shaped);

    /* Scalar state by name. */
    gdopt_optimizer *nadam = NULL;
    double scalar = 0;
    CHECK(CALL(gdopt_optimizer_create)("nadam", &nadam) == GDOPT_OK);
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_optimizer_scalar_get", "slot 0 has no state",
                 CALL(gdopt_optimizer_scalar_get)(nadam, 0, "mu_product", &scalar));
    CHECK(CALL(gdopt_optimizer_step_f32)(nadam, 0, params, grads, N) == GDOPT_OK);
    CHECK(CALL(gdopt_optimizer_scalar_get)(nadam, 0, "mu_product", &scalar) == GDOPT_OK);
    CHECK(scalar == 0.9 * (1 - 0.5 * pow(0.96, 4e-3)));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_optimizer_scalar_get", "value",
                 CALL(gdopt_optimizer_scalar_get)(nadam, 0, "mu_product", NULL));
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_optimizer_scalar_get", "\"eta\" is not a scalar state of nadam",
                 CALL(gdopt_optimizer_scalar_get)(nadam, 0, "eta", &scalar));
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_optimizer_scalar_set", "mu_product=-0.5",
                 CALL(gdopt_optimizer_scalar_set)(nadam, 0, "mu_product", -0.5));
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_optimizer_scalar_set", "mu_product=nan",
                 CALL(gdopt_optimizer_scalar_set)(nadam, 0, "mu_product", NAN));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_optimizer_scalar_set", "name",
                 CALL(gdopt_optimizer_scalar_set)(nadam, 0, NULL, 0.5));
    CHECK(CALL(gdopt_optimizer_scalar_get)(nadam, 0, "mu_product", &scalar) == GDOPT_OK);
    CHECK(scalar == 0.9 * (1 - 0.5 * pow(0.96, 4e-3)));
    CHECK(CALL(gdopt_optimizer_scalar_set)(nadam, 0, "mu_product", 0.25) == GDOPT_OK);
    CHECK(CALL(gdopt_optimizer_scalar_get)(nadam, 0, "mu_product", &scalar) == GDOPT_OK && scalar == 0.25);
    CALL(gdopt_optimizer_destroy)(nadam);
    CHECK(CALL(gdopt_optimizer_create)("adam", &nadam) == GDOPT_OK);
    CHECK(CALL(gdopt_optimizer_step_f32)(nadam, 0, params, grads, N) == GDOPT_OK);
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_optimizer_scalar_get", "it has none",
                 CALL(gdopt_optimizer_scalar_get)(nadam, 0, "mu", &scalar));
    CALL(gdopt_optimizer_destroy)(nadam);

    /* Helpers. */
    float *buffers[2] = {params, NULL};
    size_t lens[2] = {N, N}, zero[1] = {0};
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_clip_grad_norm_f32", "grads",
                 CALL(gdopt_clip_grad_norm_f32)(NULL, lens, 1, 1.0, NULL));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_clip_grad_norm_f32", "grads[1]",
                 CALL(gdopt_clip_grad_norm_f32)(buffers, lens, 2, 0.01, NULL));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_clip_grad_norm_f32", "lens",
                 CALL(gdopt_clip_grad_norm_f32)(buffers, NULL, 1, 1.0, NULL));
    EXPECT_ERROR(GDOPT_ERR_SIZE, "gdopt_clip_grad_norm_f32", "lens[0]=0",
                 CALL(gdopt_clip_grad_norm_f32)(buffers, zero, 1, 1.0, NULL));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_clip_grad_norm_f64", "grads",
                 CALL(gdopt_clip_grad_norm_f64)(NULL, lens, 1, 1.0, NULL));
    EXPECT_ERROR(GDOPT_ERR_SIZE, "gdopt_clip_grad_norm_f32", "count=0",
                 CALL(gdopt_clip_grad_norm_f32)(buffers, lens, 0, 1.0, NULL));
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_clip_grad_norm_f32", "max_norm=nan",
                 CALL(gdopt_clip_grad_norm_f32)(buffers, lens, 1, NAN, NULL));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_shuffle", "perm", CALL(gdopt_shuffle)(1, 2, NULL, 5));
    EXPECT_ERROR(GDOPT_ERR_SIZE, "gdopt_shuffle", "n=0", CALL(gdopt_shuffle)(1, 2, (size_t *)m, 0));
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_set_num_threads", "k=-1", CALL(gdopt_set_num_threads)(-1));

    /* A handle of another kind of object, and a destroyed handle. */
    CHECK(CALL(gdopt_optimizer_create)("sgd", &scratch) == GDOPT_OK);
    CALL(gdopt_optimizer_destroy)(scratch);
    EXPECT_ERROR(GDOPT_ERR_STATE, "gdopt_optimizer_step_f32", "destroyed",
                 CALL(gdopt_optimizer_step_f32)(scratch, 0, params, grads, N));
    EXPECT_ERROR(GDOPT_ERR_STATE, "gdopt_optimizer_set", "destroyed", CALL(gdopt_optimizer_set)(scratch, "lr", 0.1));
    CALL(gdopt_optimizer_destroy)(scratch); /* twice: ignored */
    CALL(gdopt_optimizer_destroy)(NULL);
    CALL(gdopt_optimizer_destroy)(opt);
}

/* A factored Adafactor slot: the object (given a shape) and the kernel give the same bits,
 * and the state by name has the factors' lengths. */
static void test_adafactor_factored(void) {
    gdopt_optimizer *o = NULL;
    CHECK(CALL(gdopt_optimizer_create)("adafactor", &o) == GDOPT_OK);
    CHECK(CALL(gdopt_optimizer_set)(o, "weight_decay", 0.1) == GDOPT_OK);
    CHECK(CALL(gdopt_optimizer_set_shape)(o, 4, 2, 5) == GDOPT_OK);
    float p1[N], p2[N], g[N], rows[2] = {0}, cols[5] = {0};
    for (int i = 0; i < N; i++) p1[i] = p2[i] = 0.1f * (float)i - 0.3f;
    for (uint64_t t = 1; t <= 30; t++) {
        for (int i = 0; i < N; i++) g[i] = (float)sin((double)(t * 3 + (uint64_t)i));
        CHECK(CALL(gdopt_optimizer_step_f32)(o, 4, p1, g, N) == GDOPT_OK);
        CHECK(CALL(gdopt_adafactor_update_f32)(p2, g, rows, cols, NULL, N, 2, 5, t, 0.01, -0.8, 0, 1e-3, 1, 0.1, 0) ==
              GDOPT_OK);
    }
    CHECK(memcmp(p1, p2, sizeof p1) == 0);
    float row_var[2], col_var[5];
    CHECK(CALL(gdopt_optimizer_state_get_f32)(o, 4, "row_var", row_var, 2) == GDOPT_OK);
    CHECK(CALL(gdopt_optimizer_state_get_f32)(o, 4, "col_var", col_var, 5) == GDOPT_OK);
    CHECK(memcmp(row_var, rows, sizeof rows) == 0 && memcmp(col_var, cols, sizeof cols) == 0);
    EXPECT_ERROR(GDOPT_ERR_SIZE, "gdopt_optimizer_state_get_f32", "row_var has 2 elements",
                 CALL(gdopt_optimizer_state_get_f32)(o, 4, "row_var", row_var, N));
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_optimizer_state_get_f32", "no variance buffer",
                 CALL(gdopt_optimizer_state_get_f32)(o, 4, "variance", p2, N));
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_optimizer_set_shape", "has state",
                 CALL(gdopt_optimizer_set_shape)(o, 4, 5, 2));
    size_t shape_rows = 0, shape_cols = 0;
    CHECK(CALL(gdopt_optimizer_slot_shape)(o, 4, &shape_rows, &shape_cols) == GDOPT_OK && shape_rows == 2 &&
          shape_cols == 5);
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_optimizer_slot_shape", "slot 3 has no state",
                 CALL(gdopt_optimizer_slot_shape)(o, 3, &shape_rows, &shape_cols));
    EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_optimizer_slot_shape", "cols",
                 CALL(gdopt_optimizer_slot_shape)(o, 4, &shape_rows, NULL));
    CALL(gdopt_optimizer_destroy)(o);
}

/* Every kind steps; the object and the stateless kernel give the same bits. */
static void test_objects_equal_kernels(void) {
    const char *kinds[] = {"sgd",    "adagrad",  "rmsprop", "adam",  "adamw", "lion",
                           "adamax", "adadelta", "rprop",   "nadam", "radam", "asgd"};
    for (int k = 0; k < 12; k++) {
        gdopt_optimizer *o = NULL;
        CHECK(CALL(gdopt_optimizer_create)(kinds[k], &o) == GDOPT_OK);
        int momentum = k == 0 || k == 2;
        if (momentum) CHECK(CALL(gdopt_optimizer_set)(o, "momentum", 0.9) == GDOPT_OK);
        if (k == 2) CHECK(CALL(gdopt_optimizer_set)(o, "centered", 1) == GDOPT_OK);
        if (k == 3 || k == 4) CHECK(CALL(gdopt_optimizer_set)(o, "amsgrad", 1) == GDOPT_OK);
        if ((k >= 5 && k <= 7) || k >= 9) CHECK(CALL(gdopt_optimizer_set)(o, "weight_decay", 0.1) == GDOPT_OK);
        if (k == 9 || k == 10) CHECK(CALL(gdopt_optimizer_set)(o, "decoupled_weight_decay", 1) == GDOPT_OK);
        if (k == 11) CHECK(CALL(gdopt_optimizer_set)(o, "t0", 20) == GDOPT_OK); /* averaging from step 21 */
        CHECK(CALL(gdopt_optimizer_set)(o, "maximize", 1) == GDOPT_OK);
        double lr = 0;
        CHECK(CALL(gdopt_optimizer_get)(o, "lr", &lr) == GDOPT_OK && lr > 0);
        double p1[N], p2[N], g[N], s0[N] = {0}, s1[N] = {0}, s2[N] = {0};
        double product = 1, eta = lr, mu = 1; /* nadam's and asgd's scalar state */
        for (int i = 0; i < N; i++) p1[i] = p2[i] = 0.3 * i - 1;
        if (k == 8) /* rprop's step sizes start at lr */
            for (int i = 0; i < N; i++) s1[i] = lr;
        for (uint64_t t = 1; t <= 50; t++) {
            for (int i = 0; i < N; i++) g[i] = sin((double)(t * 7 + (uint64_t)i));
            CHECK(CALL(gdopt_optimizer_step_f64)(o, 5, p1, g, N) == GDOPT_OK);
            gdopt_status s = GDOPT_OK;
            switch (k) {
            case 0: s = CALL(gdopt_sgd_update_f64)(p2, g, s0, N, t, lr, 0.9, 0, 0, 0, 1); break;
            case 1: s = CALL(gdopt_adagrad_update_f64)(p2, g, s0, N, t, lr, 0, 0, 1e-10, 1); break;
            case 2: s = CALL(gdopt_rmsprop_update_f64)(p2, g, s0, s1, s2, N, lr, 0.99, 1e-8, 0, 0.9, 1, 1); break;
            case 5: s = CALL(gdopt_lion_update_f64)(p2, g, s0, N, lr, 0.9, 0.99, 0.1, 1); break;
            case 6: s = CALL(gdopt_adamax_update_f64)(p2, g, s0, s1, N, t, lr, 0.9, 0.999, 1e-8, 0.1, 1); break;
            case 7: s = CALL(gdopt_adadelta_update_f64)(p2, g, s0, s1, N, lr, 0.9, 1e-6, 0.1, 1); break;
            case 8: s = CALL(gdopt_rprop_update_f64)(p2, g, s0, s1, N, 0.5, 1.2, 1e-6, 50, 1); break;
            case 9:
                s = CALL(gdopt_nadam_update_f64)(p2, g, s0, s1, &product, N, t, lr, 0.9, 0.999, 1e-8, 0.1, 4e-3, 1, 1);
                break;
            case 10: s = CALL(gdopt_radam_update_f64)(p2, g, s0, s1, N, t, lr, 0.9, 0.999, 1e-8, 0.1, 1, 1); break;
            case 11: s = CALL(gdopt_asgd_update_f64)(p2, g, s0, &eta, &mu, N, t, lr, 1e-4, 0.75, 20, 0.1, 1); break;
            case 12:
                s = CALL(gdopt_adafactor_update_f64)(p2, g, NULL, NULL, s2, N, 0, 0, t, lr, -0.8, 0, 1e-3, 1, 0.1, 1);
                break;
            default:
                s = CALL(gdopt_adam_update_f64)(p2, g, s0, s1, s2, N, t, lr, 0.9, 0.999, 1e-8, k == 4 ? 1e-2 : 0,
                                                GDOPT_ADAM_AMSGRAD | GDOPT_ADAM_MAXIMIZE |
                                                    (k == 4 ? GDOPT_ADAM_DECOUPLED : 0));
            }
            CHECK(s == GDOPT_OK);
        }
        CHECK(memcmp(p1, p2, sizeof p1) == 0);

        /* serialize / deserialize / save / load / reset round trips. */
        size_t needed = 0;
        CHECK(CALL(gdopt_optimizer_serialize)(o, NULL, 0, &needed) == GDOPT_OK && needed > 0);
        unsigned char *bytes = malloc(needed);
        CHECK(CALL(gdopt_optimizer_serialize)(o, bytes, needed, &needed) == GDOPT_OK);
        gdopt_optimizer *copy = NULL;
        CHECK(CALL(gdopt_optimizer_create)(kinds[k], &copy) == GDOPT_OK);
        CHECK(CALL(gdopt_optimizer_deserialize)(copy, bytes, needed) == GDOPT_OK);
        char path[64];
        snprintf(path, sizeof path, "/tmp/gdopt-harness-%d-%d.ckpt", (int)k, (int)getpid());
        CHECK(CALL(gdopt_optimizer_save)(copy, path) == GDOPT_OK);
        CHECK(CALL(gdopt_optimizer_reset)(copy) == GDOPT_OK);
        CHECK(CALL(gdopt_optimizer_load)(copy, path) == GDOPT_OK);
        remove(path);
        double q[N];
        memcpy(q, p1, sizeof q);
        CHECK(CALL(gdopt_optimizer_step_f64)(o, 5, p1, g, N) == GDOPT_OK);
        CHECK(CALL(gdopt_optimizer_step_f64)(copy, 5, q, g, N) == GDOPT_OK);
        CHECK(memcmp(p1, q, sizeof q) == 0);
        if (k != 1) { /* another kind's checkpoint is rejected */
            gdopt_optimizer *other = NULL;
            CHECK(CALL(gdopt_optimizer_create)("adagrad", &other) == GDOPT_OK);
            CHECK(CALL(gdopt_optimizer_deserialize)(other, bytes, needed) == GDOPT_ERR_FORMAT);
            CALL(gdopt_optimizer_destroy)(other);
        }
        free(bytes);
        CALL(gdopt_optimizer_destroy)(copy);
        CALL(gdopt_optimizer_destroy)(o);
    }
}

/* Every truncation and every single-bit flip of a small checkpoint (its slot native or
 * bfloat16) is rejected with GDOPT_ERR_FORMAT, leaves the optimizer as it was, and the
 * optimizer still steps. */
static void test_corrupt_checkpoints(int state_format) {
    gdopt_optimizer *source = NULL, *target = NULL;
    float p[3] = {1, 2, 3}, g[3] = {0.1f, 0.2f, 0.3f};
    CHECK(CALL(gdopt_optimizer_create)("adam", &source) == GDOPT_OK &&
          CALL(gdopt_optimizer_create)("adam", &target) == GDOPT_OK);
    CHECK(CALL(gdopt_optimizer_set)(source, "state_format", state_format) == GDOPT_OK);
    CHECK(CALL(gdopt_optimizer_step_f32)(source, 0, p, g, 3) == GDOPT_OK);
    unsigned char good[512], bad[512], before[512], after[512];
    size_t length = 0, before_length = 0, after_length = 0;
    CHECK(CALL(gdopt_optimizer_serialize)(source, good, sizeof good, &length) == GDOPT_OK);
    CHECK(CALL(gdopt_optimizer_set)(target, "lr", 0.5) == GDOPT_OK);
    CHECK(CALL(gdopt_optimizer_serialize)(target, before, sizeof before, &before_length) == GDOPT_OK);
    int all_rejected = 1;
    for (size_t cut = 0; cut < length; cut++)
        all_rejected &= CALL(gdopt_optimizer_deserialize)(target, good, cut) == GDOPT_ERR_FORMAT;
    for (size_t bit = 0; bit < length * 8; bit++) {
        memcpy(bad, good, length);
        bad[bit / 8] ^= (unsigned char)(1u << (bit % 8));
        all_rejected &= CALL(gdopt_optimizer_deserialize)(target, bad, length) == GDOPT_ERR_FORMAT;
    }
    CHECK(all_rejected);
    CHECK(CALL(gdopt_optimizer_serialize)(target, after, sizeof after, &after_length) == GDOPT_OK);
    CHECK(before_length == after_length && memcmp(before, after, after_length) == 0);
    CHECK(CALL(gdopt_optimizer_step_f32)(target, 0, p, g, 3) == GDOPT_OK &&
          CALL(gdopt_optimizer_deserialize)(target, good, length) == GDOPT_OK);
    CALL(gdopt_optimizer_destroy)(source);
    CALL(gdopt_optimizer_destroy)(target);
}

/* Compact state: an int8 and a bfloat16 slot equal the compact kernel bit for bit; formats,
 * sizes and errors. */
static void test_compact_state(void) {
    enum { COMPACT_N = 5000 };
    static float p1[COMPACT_N], p2[COMPACT_N], g[COMPACT_N];
    for (int format = GDOPT_STATE_BFLOAT16; format <= GDOPT_STATE_INT8; format++) {
        gdopt_optimizer *o = NULL;
        CHECK(CALL(gdopt_optimizer_create)("adamw", &o) == GDOPT_OK);
        CHECK(CALL(gdopt_optimizer_set)(o, "amsgrad", 1) == GDOPT_OK);
        CHECK(CALL(gdopt_optimizer_set)(o, "state_format", format) == GDOPT_OK);
        size_t bytes = CALL(gdopt_state_bytes)(format, COMPACT_N);
        CHECK(bytes == (format == GDOPT_STATE_INT8 ? 5056 + 20 * 4 : 2 * COMPACT_N));
        void *m = calloc(1, bytes), *v = calloc(1, bytes), *vmax = calloc(1, bytes);
        for (int i = 0; i < COMPACT_N; i++) p1[i] = p2[i] = (float)sin(0.1 * i);
        for (uint64_t t = 1; t <= 20; t++) {
            for (int i = 0; i < COMPACT_N; i++) g[i] = (float)cos((double)(t * 13 + (uint64_t)i));
            CHECK(CALL(gdopt_optimizer_step_f32)(o, 2, p1, g, COMPACT_N) == GDOPT_OK);
            CHECK(CALL(gdopt_adam_update_compact_f32)(p2, g, m, v, vmax, format, COMPACT_N, t, 1e-3, 0.9, 0.999, 1e-8,
                                                      1e-2, GDOPT_ADAM_AMSGRAD | GDOPT_ADAM_DECOUPLED) == GDOPT_OK);
        }
        CHECK(memcmp(p1, p2, sizeof p1) == 0);
        int held = -1;
        CHECK(CALL(gdopt_optimizer_slot_format)(o, 2, &held) == GDOPT_OK && held == format);
        CHECK(CALL(gdopt_optimizer_step_f32)(o, 3, p1, g, 100) == GDOPT_OK); /* int8 needs 4096 elements */
        CHECK(CALL(gdopt_optimizer_slot_format)(o, 3, &held) == GDOPT_OK &&
              held == (format == GDOPT_STATE_INT8 ? GDOPT_STATE_NATIVE : format));
        float exp_avg[COMPACT_N];
        CHECK(CALL(gdopt_optimizer_state_get_f32)(o, 2, "exp_avg", exp_avg, COMPACT_N) == GDOPT_OK);
        EXPECT_ERROR(
            GDOPT_ERR_INVALID, "gdopt_adam_update_compact_f32", "format=0",
            CALL(gdopt_adam_update_compact_f32)(p2, g, m, v, vmax, 0, COMPACT_N, 21, 1e-3, 0.9, 0.999, 1e-8, 0, 0));
        EXPECT_ERROR(GDOPT_ERR_NULL, "gdopt_adam_update_compact_f32", "vmax",
                     CALL(gdopt_adam_update_compact_f32)(p2, g, m, v, NULL, format, COMPACT_N, 21, 1e-3, 0.9, 0.999,
                                                         1e-8, 0, GDOPT_ADAM_AMSGRAD));
        EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_optimizer_slot_format", "slot 9 has no state",
                     CALL(gdopt_optimizer_slot_format)(o, 9, &held));
        free(m);
        free(v);
        free(vmax);
        CALL(gdopt_optimizer_destroy)(o);
    }
    CHECK(CALL(gdopt_state_bytes)(GDOPT_STATE_NATIVE, 10) == 0 && CALL(gdopt_state_bytes)(GDOPT_STATE_INT8, 0) == 0);
    CHECK(CALL(gdopt_state_bytes)(GDOPT_STATE_INT8, SIZE_MAX) == 0 && CALL(gdopt_state_bytes)(7, 10) == 0);
    CHECK(CALL(gdopt_state_bytes)(GDOPT_STATE_INT8, 300) == 320 + 8);
    gdopt_optimizer *rprop = NULL;
    CHECK(CALL(gdopt_optimizer_create)("rprop", &rprop) == GDOPT_OK);
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_optimizer_set", "not a parameter of rprop",
                 CALL(gdopt_optimizer_set)(rprop, "state_format", 1));
    CALL(gdopt_optimizer_destroy)(rprop);
    gdopt_optimizer *adam = NULL;
    CHECK(CALL(gdopt_optimizer_create)("adam", &adam) == GDOPT_OK);
    EXPECT_ERROR(GDOPT_ERR_INVALID, "gdopt_optimizer_set", "must be 0 (native), 1 (bfloat16) or 2 (int8)",
                 CALL(gdopt_optimizer_set)(adam, "state_format", 3));
    CALL(gdopt_optimizer_destroy)(adam);
}

static void test_helpers(void) {
    float a[2] = {3, 0}, b[1] = {4};
    float *buffers[2] = {a, b};
    size_t lens[2] = {2, 1};
    double norm = 0;
    CHECK(CALL(gdopt_clip_grad_norm_f32)(buffers, lens, 2, 1.0, &norm) == GDOPT_OK && norm == 5.0);
    CHECK(fabsf(a[0] - 0.6f) < 1e-6f && fabsf(b[0] - 0.8f) < 1e-6f);
    double c[1] = {0.5};
    double *dbuffers[1] = {c};
    size_t one[1] = {1};
    CHECK(CALL(gdopt_clip_grad_norm_f64)(dbuffers, one, 1, 1.0, NULL) == GDOPT_OK && c[0] == 0.5);

    size_t perm[100], seen[100] = {0};
    CHECK(CALL(gdopt_shuffle)(42, 3, perm, 100) == GDOPT_OK);
    int identity = 1;
    for (size_t i = 0; i < 100; i++) {
        seen[perm[i]]++;
        identity &= perm[i] == i;
    }
    int each_once = 1;
    for (size_t i = 0; i < 100; i++) each_once &= seen[i] == 1;
    CHECK(each_once && !identity);
    size_t again[100];
    CHECK(CALL(gdopt_shuffle)(42, 3, again, 100) == GDOPT_OK && memcmp(perm, again, sizeof perm) == 0);
}

/* gdopt_last_error is per thread: another thread's failure leaves ours alone. */
static void *fail_elsewhere(void *unused) {
    (void)unused;
    CALL(gdopt_set_num_threads)(-7);
    return NULL;
}

static void test_last_error_is_per_thread(void) {
    CALL(gdopt_shuffle)(0, 0, NULL, 1);
    pthread_t thread;
    pthread_create(&thread, NULL, fail_elsewhere, NULL);
    pthread_join(thread, NULL);
    CHECK(strstr(CALL(gdopt_last_error)(), "gdopt_shuffle: perm is NULL") != NULL);
}

/* A child forked after the worker pool started can still take large (threaded) steps. */
static void test_fork_after_threads(void) {
    const size_t n = (size_t)1 << 18;
    float *p = calloc(n, sizeof *p), *g = malloc(n * sizeof *g);
    for (size_t i = 0; i < n; i++) g[i] = 1.0f;
    gdopt_optimizer *o = NULL;
    CHECK(CALL(gdopt_set_num_threads)(2) == GDOPT_OK);
    CHECK(CALL(gdopt_optimizer_create)("sgd", &o) == GDOPT_OK);
    CHECK(CALL(gdopt_optimizer_step_f32)(o, 0, p, g, n) == GDOPT_OK);
    fflush(NULL);
    pid_t child = fork();
    if (child == 0) {
        alarm(20); /* a hang would be the bug */
        int ok = CALL(gdopt_optimizer_step_f32)(o, 0, p, g, n) == GDOPT_OK && p[n - 1] == -2e-3f;
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    CHECK(child > 0 && waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(CALL(gdopt_optimizer_step_f32)(o, 0, p, g, n) == GDOPT_OK && p[0] == -2e-3f);
    CALL(gdopt_optimizer_destroy)(o);
    CALL(gdopt_set_num_threads)(0);
    free(p);
    free(g);
}

/* y = sum((x * w) @ m) with x 2x3 (variable), w 3 (constant, broadcast), m 3x2 (variable). */
static void test_tape(void) {
    gdopt_tape *t = NULL;
    CHECK(CALL(gdopt_tape_create)(GDOPT_F64, &t) == GDOPT_OK);
    for (int iteration = 0; iteration < 2; iteration++) { /* the second one reuses the memory */
        CHECK(CALL(gdopt_tape_clear)(t) == GDOPT_OK);
        double xv[6] = {1, 2, 3, 4, 5, 6}, wv[3] = {0.5, -1, 2}, mv[6] = {1, 0, 0, 1, 1, 1};
        size_t xs[2] = {2, 3}, ws[1] = {3}, ms[2] = {3, 2};
        gdopt_node x = 0, w = 0, m = 0, xw = 0, prod = 0, y = 0;
        CHECK(CALL(gdopt_tape_variable_f64)(t, xv, 2, xs, &x) == GDOPT_OK);
        CHECK(CALL(gdopt_tape_constant_f64)(t, wv, 1, ws, &w) == GDOPT_OK);
        CHECK(CALL(gdopt_tape_variable_f64)(t, mv, 2, ms, &m) == GDOPT_OK);
        CHECK(CALL(gdopt_tape_binary)(t, GDOPT_MUL, x, w, &xw) == GDOPT_OK);
        CHECK(CALL(gdopt_tape_binary)(t, GDOPT_MATMUL, xw, m, &prod) == GDOPT_OK);
        CHECK(CALL(gdopt_tape_unary)(t, GDOPT_SUM, prod, &y) == GDOPT_OK);
        size_t rank = 9, shape[8] = {0};
        CHECK(CALL(gdopt_tape_shape)(t, prod, &rank, shape) == GDOPT_OK && rank == 2 && shape[0] == 2 && shape[1] == 2);
        CHECK(CALL(gdopt_tape_shape)(t, y, &rank, shape) == GDOPT_OK && rank == 0);
        EXPECT_STATUS(GDOPT_ERR_STATE, "gdopt_tape_grad_f64", "no backward", CALL(gdopt_tape_grad_f64)(t, x, xv, 6));
        CHECK(CALL(gdopt_tape_backward)(t, y) == GDOPT_OK);
        double value = 0, gx[6], gm[6];
        CHECK(CALL(gdopt_tape_value_f64)(t, y, &value, 1) == GDOPT_OK);
        /* xw = [[.5,-2,6],[2,-5,12]]; xw@m = [[6.5,4],[14,7]]: sum 31.5 */
        CHECK(value == 31.5);
        CHECK(CALL(gdopt_tape_grad_f64)(t, x, gx, 6) == GDOPT_OK);
        CHECK(CALL(gdopt_tape_grad_f64)(t, m, gm, 6) == GDOPT_OK);
        /* dy/dx[i][j] = w[j] * (m[j][0] + m[j][1]) = {0.5, -1, 4}; dy/dm[j][k] = sum_i xw[i][j] */
        CHECK(gx[0] == 0.5 && gx[1] == -1 && gx[2] == 4 && gx[3] == 0.5 && gx[4] == -1 && gx[5] == 4);
        CHECK(gm[0] == 2.5 && gm[1] == 2.5 && gm[2] == -7 && gm[3] == -7 && gm[4] == 18 && gm[5] == 18);
    }

    /* Cross-entropy: gradient rows sum to zero; hinge of a confident row is zero. */
    double scores[6] = {2, 1, 0, 0, 0, 5};
    size_t ss[2] = {2, 3};
    int64_t labels[2] = {0, 2};
    gdopt_node s = 0, ce = 0, hinge = 0;
    CHECK(CALL(gdopt_tape_variable_f64)(t, scores, 2, ss, &s) == GDOPT_OK);
    CHECK(CALL(gdopt_tape_loss)(t, GDOPT_SOFTMAX_CROSS_ENTROPY, s, labels, 2, &ce) == GDOPT_OK);
    CHECK(CALL(gdopt_tape_loss)(t, GDOPT_MULTICLASS_HINGE, s, labels, 2, &hinge) == GDOPT_OK);
    double loss = 0, gs[6];
    CHECK(CALL(gdopt_tape_value_f64)(t, hinge, &loss, 1) == GDOPT_OK && loss == 0);
    CHECK(CALL(gdopt_tape_backward)(t, ce) == GDOPT_OK && CALL(gdopt_tape_grad_f64)(t, s, gs, 6) == GDOPT_OK);
    CHECK(fabs(gs[0] + gs[1] + gs[2]) < 1e-15 && gs[0] < 0 && gs[5] < 0);

    /* Bad input: every call fails cleanly, naming the argument. */
    gdopt_node bad = 0;
    size_t rank9[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1}, zero[2] = {2, 0};
    float f = 0;
    EXPECT_STATUS(GDOPT_ERR_INVALID, "gdopt_tape_create", "dtype=5", CALL(gdopt_tape_create)(5, &t));
    EXPECT_STATUS(GDOPT_ERR_NULL, "gdopt_tape_create", "out", CALL(gdopt_tape_create)(GDOPT_F32, NULL));
    EXPECT_STATUS(GDOPT_ERR_SIZE, "gdopt_tape_variable_f64", "rank=9",
                  CALL(gdopt_tape_variable_f64)(t, scores, 9, rank9, &bad));
    EXPECT_STATUS(GDOPT_ERR_SIZE, "gdopt_tape_variable_f64", "shape[1]=0",
                  CALL(gdopt_tape_variable_f64)(t, scores, 2, zero, &bad));
    EXPECT_STATUS(GDOPT_ERR_NULL, "gdopt_tape_variable_f64", "data",
                  CALL(gdopt_tape_variable_f64)(t, NULL, 2, ss, &bad));
    EXPECT_STATUS(GDOPT_ERR_NULL, "gdopt_tape_constant_f64", "shape",
                  CALL(gdopt_tape_constant_f64)(t, scores, 2, NULL, &bad));
    EXPECT_STATUS(GDOPT_ERR_INVALID, "gdopt_tape_variable_f32", "t holds float64 values, got float32",
                  CALL(gdopt_tape_variable_f32)(t, &f, 0, NULL, &bad));
    EXPECT_STATUS(GDOPT_ERR_INVALID, "gdopt_tape_unary", "op=99", CALL(gdopt_tape_unary)(t, 99, s, &bad));
    EXPECT_STATUS(GDOPT_ERR_INVALID, "gdopt_tape_binary", "op=1 is not a binary op",
                  CALL(gdopt_tape_binary)(t, GDOPT_NEG, s, s, &bad));
    EXPECT_STATUS(GDOPT_ERR_SIZE, "gdopt_tape_binary", "matmul shapes (2, 3) and (2, 3)",
                  CALL(gdopt_tape_binary)(t, GDOPT_MATMUL, s, s, &bad));
    gdopt_node column = 0;
    size_t cs[1] = {2};
    CHECK(CALL(gdopt_tape_constant_f64)(t, scores, 1, cs, &column) == GDOPT_OK);
    EXPECT_STATUS(GDOPT_ERR_SIZE, "gdopt_tape_binary", "do not broadcast",
                  CALL(gdopt_tape_binary)(t, GDOPT_ADD, s, column, &bad));
    int64_t out_of_range[2] = {0, 7};
    EXPECT_STATUS(GDOPT_ERR_INVALID, "gdopt_tape_loss", "labels[1]=7",
                  CALL(gdopt_tape_loss)(t, GDOPT_MULTICLASS_HINGE, s, out_of_range, 2, &bad));
    EXPECT_STATUS(GDOPT_ERR_SIZE, "gdopt_tape_loss", "labels has 1 entries, scores has 2 rows",
                  CALL(gdopt_tape_loss)(t, GDOPT_MULTICLASS_HINGE, s, labels, 1, &bad));
    EXPECT_STATUS(GDOPT_ERR_INVALID, "gdopt_tape_loss", "kind=9", CALL(gdopt_tape_loss)(t, 9, s, labels, 2, &bad));
    EXPECT_STATUS(GDOPT_ERR_SIZE, "gdopt_tape_loss", "scores must be 2-D",
                  CALL(gdopt_tape_loss)(t, GDOPT_MULTICLASS_HINGE, column, labels, 2, &bad));
    EXPECT_STATUS(GDOPT_ERR_NULL, "gdopt_tape_loss", "labels",
                  CALL(gdopt_tape_loss)(t, GDOPT_MULTICLASS_HINGE, s, NULL, 2, &bad));
    EXPECT_STATUS(GDOPT_ERR_SIZE, "gdopt_tape_backward", "backward needs a scalar", CALL(gdopt_tape_backward)(t, s));
    EXPECT_STATUS(GDOPT_ERR_INVALID, "gdopt_tape_backward", "not on this tape", CALL(gdopt_tape_backward)(t, 12345));
    EXPECT_STATUS(GDOPT_ERR_INVALID, "gdopt_tape_backward", "not on this tape", CALL(gdopt_tape_backward)(t, -1));
    EXPECT_STATUS(GDOPT_ERR_SIZE, "gdopt_tape_value_f64", "out has 5 elements, the node has 6",
                  CALL(gdopt_tape_value_f64)(t, s, gs, 5));
    size_t dims[8];
    EXPECT_STATUS(GDOPT_ERR_NULL, "gdopt_tape_shape", "rank", CALL(gdopt_tape_shape)(t, s, NULL, dims));
    EXPECT_STATUS(GDOPT_ERR_NULL, "gdopt_tape_clear", "t", CALL(gdopt_tape_clear)(NULL));
    CHECK(CALL(gdopt_tape_clear)(t) == GDOPT_OK);
    EXPECT_STATUS(GDOPT_ERR_INVALID, "gdopt_tape_unary", "nodes do not survive clear",
                  CALL(gdopt_tape_unary)(t, GDOPT_EXP, s, &bad));
    CALL(gdopt_tape_destroy)(t);
    EXPECT_STATUS(GDOPT_ERR_STATE, "gdopt_tape_clear", "destroyed", CALL(gdopt_tape_clear)(t));
    CALL(gdopt_tape_destroy)(NULL);

    /* float32 tapes. */
    CHECK(CALL(gdopt_tape_create)(GDOPT_F32, &t) == GDOPT_OK);
    float v[3] = {1, -2, 3}, g[3], out[3];
    size_t vs[1] = {3};
    gdopt_node a = 0, sq = 0, total = 0;
    CHECK(CALL(gdopt_tape_variable_f32)(t, v, 1, vs, &a) == GDOPT_OK);
    CHECK(CALL(gdopt_tape_unary)(t, GDOPT_SQUARE, a, &sq) == GDOPT_OK &&
          CALL(gdopt_tape_unary)(t, GDOPT_MEAN, sq, &total) == GDOPT_OK);
    CHECK(CALL(gdopt_tape_backward)(t, total) == GDOPT_OK && CALL(gdopt_tape_grad_f32)(t, a, g, 3) == GDOPT_OK);
    CHECK(CALL(gdopt_tape_value_f32)(t, sq, out, 3) == GDOPT_OK && out[1] == 4.0f);
    CHECK(fabsf(g[0] - 2.0f / 3) < 1e-7f && fabsf(g[1] + 4.0f / 3) < 1e-7f);
    EXPECT_STATUS(GDOPT_ERR_INVALID, "gdopt_tape_grad_f64", "got float64", CALL(gdopt_tape_grad_f64)(t, a, gs, 3));
    CALL(gdopt_tape_destroy)(t);
}

/* Replay: a softmax regression (x·w + b, 2 rows) recorded once and replayed with new data gives
 * the bits of recording anew; the float32 entry point; bad calls change nothing. */
static gdopt_node record_regression(gdopt_tape *t, const double *x, const double *w, const double *b,
                                    const int64_t *labels, gdopt_node nodes[3]) {
    size_t xs[2] = {2, 3}, ws[2] = {3, 4}, bs[1] = {4};
    gdopt_node product = 0, scores = 0, loss = 0;
    CHECK(CALL(gdopt_tape_constant_f64)(t, x, 2, xs, &nodes[0]) == GDOPT_OK &&
          CALL(gdopt_tape_variable_f64)(t, w, 2, ws, &nodes[1]) == GDOPT_OK &&
          CALL(gdopt_tape_variable_f64)(t, b, 1, bs, &nodes[2]) == GDOPT_OK);
    CHECK(CALL(gdopt_tape_binary)(t, GDOPT_MATMUL, nodes[0], nodes[1], &product) == GDOPT_OK &&
          CALL(gdopt_tape_binary)(t, GDOPT_ADD, product, nodes[2], &scores) == GDOPT_OK &&
          CALL(gdopt_tape_loss)(t, GDOPT_SOFTMAX_CROSS_ENTROPY, scores, labels, 2, &loss) == GDOPT_OK);
    return loss;
}

static void test_tape_replay(void) {
    double x[6] = {0}, w[12], b[4] = {0}, x2[6], w2[12], b2[4] = {0.1, -0.2, 0.3, 0};
    int64_t zeros[2] = {0, 0}, labels[2] = {3, 1};
    for (int i = 0; i < 12; i++) w[i] = w2[i] = 0.1 * (i % 5) - 0.2;
    for (int i = 0; i < 6; i++) x2[i] = 0.5 * i - 1;
    gdopt_tape *t = NULL, *fresh = NULL;
    gdopt_node nodes[3], again[3];
    CHECK(CALL(gdopt_tape_create)(GDOPT_F64, &t) == GDOPT_OK && CALL(gdopt_tape_create)(GDOPT_F64, &fresh) == GDOPT_OK);
    gdopt_node loss = record_regression(t, x, w, b, zeros, nodes);
    gdopt_node expected = record_regression(fresh, x2, w2, b2, labels, again);
    double gw[12], gb[4], value = 0, expected_value = 0, ew[12], eb[4];
    gdopt_feed_f64 feeds[3] = {{nodes[0], x2, NULL, 6}, {nodes[1], NULL, gw, 12}, {nodes[2], b2, gb, 4}};
    gdopt_labels new_labels = {loss, labels, 2};
    CHECK(CALL(gdopt_tape_replay_f64)(t, loss, feeds, 3, &new_labels, 1, &value) == GDOPT_OK);
    CHECK(CALL(gdopt_tape_backward)(fresh, expected) == GDOPT_OK &&
          CALL(gdopt_tape_value_f64)(fresh, expected, &expected_value, 1) == GDOPT_OK &&
          CALL(gdopt_tape_grad_f64)(fresh, again[1], ew, 12) == GDOPT_OK &&
          CALL(gdopt_tape_grad_f64)(fresh, again[2], eb, 4) == GDOPT_OK);
    CHECK(value == expected_value && memcmp(gw, ew, sizeof gw) == 0 && memcmp(gb, eb, sizeof gb) == 0);

    /* Bad calls: each is refused with the argument named, and nothing changes. */
    double kept[12];
    memcpy(kept, gw, sizeof kept);
    int64_t out_of_range[2] = {0, 4};
    gdopt_labels bad_labels = {loss, out_of_range, 2}, short_labels = {loss, labels, 1}, null_labels = {loss, NULL, 2};
    gdopt_feed_f64 twice[2] = {feeds[1], feeds[1]}, constant_grad = {nodes[0], x2, gw, 6},
                   wrong_n = {nodes[1], w, gw, 11};
    gdopt_feed_f64 not_leaf = {loss, NULL, NULL, 1};
    EXPECT_STATUS(GDOPT_ERR_INVALID, "gdopt_tape_replay_f64", "labels[0][1]=4",
                  CALL(gdopt_tape_replay_f64)(t, loss, feeds, 3, &bad_labels, 1, &value));
    EXPECT_STATUS(GDOPT_ERR_SIZE, "gdopt_tape_replay_f64", "labels[0].count=1",
                  CALL(gdopt_tape_replay_f64)(t, loss, feeds, 3, &short_labels, 1, &value));
    EXPECT_STATUS(GDOPT_ERR_NULL, "gdopt_tape_replay_f64", "labels[0].labels",
                  CALL(gdopt_tape_replay_f64)(t, loss, feeds, 3, &null_labels, 1, &value));
    EXPECT_STATUS(GDOPT_ERR_INVALID, "gdopt_tape_replay_f64", "fed twice",
                  CALL(gdopt_tape_replay_f64)(t, loss, twice, 2, NULL, 0, &value));
    EXPECT_STATUS(GDOPT_ERR_INVALID, "gdopt_tape_replay_f64", "feeds[0].gradient",
                  CALL(gdopt_tape_replay_f64)(t, loss, &constant_grad, 1, NULL, 0, &value));
    EXPECT_STATUS(GDOPT_ERR_SIZE, "gdopt_tape_replay_f64", "feeds[0].count=11",
                  CALL(gdopt_tape_replay_f64)(t, loss, &wrong_n, 1, NULL, 0, &value));
    EXPECT_STATUS(GDOPT_ERR_INVALID, "gdopt_tape_replay_f64", "is not a leaf",
                  CALL(gdopt_tape_replay_f64)(t, loss, &not_leaf, 1, NULL, 0, &value));
    EXPECT_STATUS(GDOPT_ERR_SIZE, "gdopt_tape_replay_f64", "backward needs a scalar",
                  CALL(gdopt_tape_replay_f64)(t, nodes[1], feeds, 3, NULL, 0, &value));
    EXPECT_STATUS(GDOPT_ERR_SIZE, "gdopt_tape_replay_f64", "n_feeds=18446744073709551615",
                  CALL(gdopt_tape_replay_f64)(t, loss, feeds, SIZE_MAX, NULL, 0, &value));
    EXPECT_STATUS(GDOPT_ERR_NULL, "gdopt_tape_replay_f64", "feeds",
                  CALL(gdopt_tape_replay_f64)(t, loss, NULL, 1, NULL, 0, &value));
    EXPECT_STATUS(GDOPT_ERR_INVALID, "gdopt_tape_replay_f32", "t holds float64 values",
                  CALL(gdopt_tape_replay_f32)(t, loss, NULL, 0, NULL, 0, NULL));
    CHECK(memcmp(gw, kept, sizeof kept) == 0 && value == expected_value);
    double current = 0;
    CHECK(CALL(gdopt_tape_value_f64)(t, loss, &current, 1) == GDOPT_OK && current == expected_value);
    CHECK(CALL(gdopt_tape_replay_f64)(t, loss, NULL, 0, NULL, 0, NULL) == GDOPT_OK); /* nothing new: same graph */
    CHECK(CALL(gdopt_tape_value_f64)(t, loss, &current, 1) == GDOPT_OK && current == expected_value);
    CALL(gdopt_tape_destroy)(t);
    CALL(gdopt_tape_destroy)(fresh);

    /* float32: the same graph as recording anew, through the _f32 entry point. */
    float v[3] = {1, -2, 3}, v2[3] = {0.5f, 4, -1}, g[3], g2[3], total = 0, total2 = 0;
    size_t vs[1] = {3};
    gdopt_tape *t32 = NULL, *fresh32 = NULL;
    gdopt_node a = 0, sq = 0, mean = 0, a2 = 0, sq2 = 0, mean2 = 0;
    CHECK(CALL(gdopt_tape_create)(GDOPT_F32, &t32) == GDOPT_OK &&
          CALL(gdopt_tape_create)(GDOPT_F32, &fresh32) == GDOPT_OK);
    CHECK(CALL(gdopt_tape_variable_f32)(t32, v, 1, vs, &a) == GDOPT_OK &&
          CALL(gdopt_tape_unary)(t32, GDOPT_SQUARE, a, &sq) == GDOPT_OK &&
          CALL(gdopt_tape_unary)(t32, GDOPT_MEAN, sq, &mean) == GDOPT_OK);
    CHECK(CALL(gdopt_tape_variable_f32)(fresh32, v2, 1, vs, &a2) == GDOPT_OK &&
          CALL(gdopt_tape_unary)(fresh32, GDOPT_SQUARE, a2, &sq2) == GDOPT_OK &&
          CALL(gdopt_tape_unary)(fresh32, GDOPT_MEAN, sq2, &mean2) == GDOPT_OK);
    gdopt_feed_f32 feed32 = {a, v2, g, 3};
    CHECK(CALL(gdopt_tape_replay_f32)(t32, mean, &feed32, 1, NULL, 0, &total) == GDOPT_OK);
    CHECK(CALL(gdopt_tape_backward)(fresh32, mean2) == GDOPT_OK &&
          CALL(gdopt_tape_grad_f32)(fresh32, a2, g2, 3) == GDOPT_OK &&
          CALL(gdopt_tape_value_f32)(fresh32, mean2, &total2, 1) == GDOPT_OK);
    CHECK(total == total2 && memcmp(g, g2, sizeof g) == 0);
    CALL(gdopt_tape_destroy)(t32);
    CALL(gdopt_tape_destroy)(fresh32);
}

/* Rosenbrock: the objective of the gradient-check tests. data points at an int: 1 for a
 * correct gradient, 0 for a wrong one, 2 to return NaN. */
static double rosenbrock(size_t n, const double *x, double *grad, void *data) {
    int mode = *(int *)data; /* 1 correct, 2 NaN value, 3 NaN in the gradient, 4 Inf beyond x[2] = 0.5, else wrong */
    if (mode == 2) return NAN;
    if (mode == 4 && n > 2 && x[2] > 0.5) return INFINITY;
    double f = 0;
    for (size_t i = 0; i + 1 < n; i++) f += 100 * pow(x[i + 1] - x[i] * x[i], 2) + pow(1 - x[i], 2);
    if (grad) {
        for (size_t i = 0; i < n; i++) grad[i] = 0;
        for (size_t i = 0; i + 1 < n; i++) {
            grad[i] += -400 * x[i] * (x[i + 1] - x[i] * x[i]) - 2 * (1 - x[i]);
            grad[i + 1] += 200 * (x[i + 1] - x[i] * x[i]) * (mode == 1 || mode >= 3 ? 1 : 2);
        }
        if (mode == 3) grad[1] = NAN;
    }
    return f;
}

static void test_gradcheck(void) {
    double x[4] = {-1.2, 1, 0.5, 0.8}, saved[4], numeric[4], analytic[4];
    memcpy(saved, x, sizeof x);
    int correct = 1, wrong = 0, nan_mode = 2;
    gdopt_gradcheck_result r;
    CHECK(CALL(gdopt_numerical_gradient)(rosenbrock, &correct, x, 4, 1e-5, numeric) == GDOPT_OK);
    rosenbrock(4, x, analytic, &correct);
    for (int i = 0; i < 4; i++) CHECK(fabs(numeric[i] - analytic[i]) < 1e-5 * fabs(analytic[i]) + 1e-8);
    CHECK(memcmp(x, saved, sizeof x) == 0); /* x is never written */
    CHECK(CALL(gdopt_gradcheck)(rosenbrock, &correct, x, 4, 1e-5, &r) == GDOPT_OK);
    CHECK(r.max_rel_error < 1e-7 && r.evaluations == 9);
    CHECK(CALL(gdopt_gradcheck)(rosenbrock, &wrong, x, 4, 1e-5, &r) == GDOPT_OK);
    CHECK(r.max_rel_error > 0.1 && r.worst_index >= 1 && r.analytic_at_worst != r.numeric_at_worst);
    EXPECT_STATUS(GDOPT_ERR_CALLBACK, "gdopt_gradcheck", "NaN",
                  CALL(gdopt_gradcheck)(rosenbrock, &nan_mode, x, 4, 1e-5, &r));
    EXPECT_STATUS(GDOPT_ERR_CALLBACK, "gdopt_numerical_gradient", "NaN",
                  CALL(gdopt_numerical_gradient)(rosenbrock, &nan_mode, x, 4, 1e-5, numeric));
    /* v1.1, §8: a NaN or Inf in either gradient is NONFINITE, never a pass; worst_index names
     * the entry, and grad_out is left as it was. */
    int nan_gradient = 3, infinite_f = 4;
    double kept[4];
    memcpy(kept, numeric, sizeof kept);
    EXPECT_STATUS(GDOPT_ERR_NONFINITE, "gdopt_gradcheck", "entry 1",
                  CALL(gdopt_gradcheck)(rosenbrock, &nan_gradient, x, 4, 1e-5, &r));
    CHECK(r.worst_index == 1 && isnan(r.analytic_at_worst) && isnan(r.max_rel_error));
    EXPECT_STATUS(GDOPT_ERR_NONFINITE, "gdopt_gradcheck", "entry 2",
                  CALL(gdopt_gradcheck)(rosenbrock, &infinite_f, x, 4, 1e-5, &r));
    CHECK(r.worst_index == 2 && !isfinite(r.numeric_at_worst));
    EXPECT_STATUS(GDOPT_ERR_NONFINITE, "gdopt_numerical_gradient", "entry 2",
                  CALL(gdopt_numerical_gradient)(rosenbrock, &infinite_f, x, 4, 1e-5, numeric));
    CHECK(memcmp(kept, numeric, sizeof kept) == 0);
    EXPECT_STATUS(GDOPT_ERR_NULL, "gdopt_numerical_gradient", "f",
                  CALL(gdopt_numerical_gradient)(NULL, NULL, x, 4, 1e-5, numeric));
    EXPECT_STATUS(GDOPT_ERR_NULL, "gdopt_numerical_gradient", "grad_out",
                  CALL(gdopt_numerical_gradient)(rosenbrock, &correct, x, 4, 1e-5, NULL));
    EXPECT_STATUS(GDOPT_ERR_INVALID, "gdopt_numerical_gradient", "h=0",
                  CALL(gdopt_numerical_gradient)(rosenbrock, &correct, x, 4, 0, numeric));
    EXPECT_STATUS(GDOPT_ERR_SIZE, "gdopt_gradcheck", "n=0",
                  CALL(gdopt_gradcheck)(rosenbrock, &correct, x, 0, 1e-5, &r));
    EXPECT_STATUS(GDOPT_ERR_NULL, "gdopt_gradcheck", "res",
                  CALL(gdopt_gradcheck)(rosenbrock, &correct, x, 4, 1e-5, NULL));
    EXPECT_STATUS(GDOPT_ERR_NULL, "gdopt_gradcheck", "x",
                  CALL(gdopt_gradcheck)(rosenbrock, &correct, NULL, 4, 1e-5, &r));
}

static void test_schedules(void) {
    gdopt_schedule *s = NULL;
    double lr = 0;
    CHECK(CALL(gdopt_schedule_create)("step", &s) == GDOPT_OK);
    CHECK(CALL(gdopt_schedule_set)(s, "base_lr", 0.8) == GDOPT_OK &&
          CALL(gdopt_schedule_set)(s, "step_size", 2) == GDOPT_OK);
    CHECK(CALL(gdopt_schedule_lr)(s, 3, &lr) == GDOPT_OK && fabs(lr - 0.08) < 1e-16);
    CHECK(CALL(gdopt_schedule_get)(s, "gamma", &lr) == GDOPT_OK && lr == 0.1);
    EXPECT_STATUS(GDOPT_ERR_STATE, "gdopt_schedule_observe", "plateau", CALL(gdopt_schedule_observe)(s, 1.0));
    EXPECT_STATUS(GDOPT_ERR_INVALID, "gdopt_schedule_set", "t_max", CALL(gdopt_schedule_set)(s, "t_max", 5));
    EXPECT_STATUS(GDOPT_ERR_INVALID, "gdopt_schedule_set", "gamma=-1", CALL(gdopt_schedule_set)(s, "gamma", -1));
    EXPECT_STATUS(GDOPT_ERR_NULL, "gdopt_schedule_lr", "lr", CALL(gdopt_schedule_lr)(s, 0, NULL));
    CALL(gdopt_schedule_destroy)(s);
    EXPECT_STATUS(GDOPT_ERR_STATE, "gdopt_schedule_lr", "destroyed", CALL(gdopt_schedule_lr)(s, 0, &lr));
    EXPECT_STATUS(GDOPT_ERR_INVALID, "gdopt_schedule_create", "linear", CALL(gdopt_schedule_create)("linear", &s));
    CHECK(CALL(gdopt_schedule_create)("plateau", &s) == GDOPT_OK);
    CHECK(CALL(gdopt_schedule_set)(s, "patience", 0) == GDOPT_OK);
    CHECK(CALL(gdopt_schedule_observe)(s, 5) == GDOPT_OK && CALL(gdopt_schedule_observe)(s, 5) == GDOPT_OK);
    CHECK(CALL(gdopt_schedule_lr)(s, 0, &lr) == GDOPT_OK && fabs(lr - 1e-4) < 1e-18);
    EXPECT_STATUS(GDOPT_ERR_INVALID, "gdopt_schedule_observe", "nan", CALL(gdopt_schedule_observe)(s, NAN));
    CALL(gdopt_schedule_destroy)(s);
    CALL(gdopt_schedule_destroy)(NULL);
}

/* One worker's job: 40 iterations of a tape (tanh layer, cross-entropy) and an Adam step on
 * a buffer large enough to use the worker pool. The result is written to out. */
enum { WORK_N = 80000 };

typedef struct {
    int seed;
    float *params; /* WORK_N */
    int ok;
} Work;

static void *work(void *arg) {
    Work *w = arg;
    gdopt_optimizer *o = NULL;
    gdopt_tape *t = NULL;
    w->ok = CALL(gdopt_optimizer_create)(w->seed % 2 ? "adam" : "rmsprop", &o) == GDOPT_OK &&
            CALL(gdopt_tape_create)(GDOPT_F32, &t) == GDOPT_OK;
    static const size_t shape[2] = {WORK_N / 8, 8};
    int64_t labels[WORK_N / 8];
    for (int i = 0; i < WORK_N / 8; i++) labels[i] = (i + w->seed) % 8;
    float *grad = malloc(WORK_N * sizeof *grad);
    for (int i = 0; i < WORK_N; i++) w->params[i] = (float)((i * 31 + w->seed * 7) % 100) * 0.01f - 0.5f;
    for (int iteration = 0; iteration < 40 && w->ok; iteration++) {
        gdopt_node x = 0, h = 0, loss = 0;
        w->ok = CALL(gdopt_tape_clear)(t) == GDOPT_OK &&
                CALL(gdopt_tape_variable_f32)(t, w->params, 2, shape, &x) == GDOPT_OK &&
                CALL(gdopt_tape_unary)(t, GDOPT_TANH, x, &h) == GDOPT_OK &&
                CALL(gdopt_tape_loss)(t, GDOPT_SOFTMAX_CROSS_ENTROPY, h, labels, WORK_N / 8, &loss) == GDOPT_OK &&
                CALL(gdopt_tape_backward)(t, loss) == GDOPT_OK &&
                CALL(gdopt_tape_grad_f32)(t, x, grad, WORK_N) == GDOPT_OK &&
                CALL(gdopt_optimizer_step_f32)(o, 0, w->params, grad, WORK_N) == GDOPT_OK;
    }
    free(grad);
    CALL(gdopt_tape_destroy)(t);
    CALL(gdopt_optimizer_destroy)(o);
    return NULL;
}

/* 8 threads, each with its own optimizer and tape, give the same bits as running alone. */
static void test_concurrent_handles(void) {
    Work sequential[8], concurrent[8];
    pthread_t threads[8];
    for (int i = 0; i < 8; i++) {
        sequential[i] = (Work){i, malloc(WORK_N * sizeof(float)), 0};
        concurrent[i] = (Work){i, malloc(WORK_N * sizeof(float)), 0};
        work(&sequential[i]);
    }
    for (int i = 0; i < 8; i++) pthread_create(&threads[i], NULL, work, &concurrent[i]);
    for (int i = 0; i < 8; i++) pthread_join(threads[i], NULL);
    for (int i = 0; i < 8; i++) {
        CHECK(sequential[i].ok && concurrent[i].ok);
        CHECK(memcmp(sequential[i].params, concurrent[i].params, WORK_N * sizeof(float)) == 0);
        free(sequential[i].params);
        free(concurrent[i].params);
    }
}

static int stop_at_three(const gdopt_progress *p, void *data) {
    (*(int *)data)++;
    return p->iteration >= 3;
}

static int rosenbrock2_hessian(size_t n, const double *x, double *h, void *data) {
    (void)n;
    if (data) return 1; /* asked to abort */
    h[0] = 1200 * x[0] * x[0] - 400 * x[1] + 2;
    h[1] = h[2] = -400 * x[0];
    h[3] = 200;
    return 0;
}

static void test_solvers(void) {
    const char *methods[] = {"lbfgs", "newton"};
    int correct = 1, nan_mode = 2, abort_flag = 1;
    for (int m = 0; m < 2; m++) {
        gdopt_solver *s = NULL;
        CHECK(CALL(gdopt_solver_create)(methods[m], &s) == GDOPT_OK);
        CHECK(CALL(gdopt_solver_set)(s, "gtol", 1e-8) == GDOPT_OK);
        double gtol = 0, x[2] = {-1.2, 1};
        CHECK(CALL(gdopt_solver_get)(s, "gtol", &gtol) == GDOPT_OK && gtol == 1e-8);
        if (m == 1) CHECK(CALL(gdopt_solver_set_hessian)(s, rosenbrock2_hessian, NULL) == GDOPT_OK);
        gdopt_result r;
        CHECK(CALL(gdopt_solver_minimize)(s, rosenbrock, &correct, x, 2, &r) == GDOPT_OK);
        CHECK(r.reason == GDOPT_CONVERGED_GTOL && r.grad_norm <= 1e-8 && fabs(x[0] - 1) < 1e-7 &&
              fabs(x[1] - 1) < 1e-7);
        CHECK(r.f < 1e-15 && r.iterations > 5 && r.evaluations >= r.iterations);
        CALL(gdopt_solver_destroy)(s);
    }

    gdopt_solver *s = NULL;
    gdopt_result r;
    double x[2] = {-1.2, 1};
    int calls = 0;
    CHECK(CALL(gdopt_solver_create)("lbfgs", &s) == GDOPT_OK);
    CHECK(CALL(gdopt_solver_set_progress)(s, stop_at_three, &calls) == GDOPT_OK);
    CHECK(CALL(gdopt_solver_minimize)(s, rosenbrock, &correct, x, 2, &r) == GDOPT_OK);
    CHECK(r.reason == GDOPT_STOPPED_BY_CALLBACK && r.iterations == 3 && calls == 3);
    CHECK(CALL(gdopt_solver_set_progress)(s, NULL, NULL) == GDOPT_OK);
    CHECK(CALL(gdopt_solver_set)(s, "max_evals", 4) == GDOPT_OK);
    CHECK(CALL(gdopt_solver_minimize)(s, rosenbrock, &correct, x, 2, NULL) == GDOPT_OK);
    double before[2] = {x[0], x[1]};
    EXPECT_STATUS(GDOPT_ERR_CALLBACK, "gdopt_solver_minimize", "NaN",
                  CALL(gdopt_solver_minimize)(s, rosenbrock, &nan_mode, x, 2, &r));
    CHECK(x[0] == before[0] && x[1] == before[1]); /* no good point was found: x is where it started */
    EXPECT_STATUS(GDOPT_ERR_NULL, "gdopt_solver_minimize", "f", CALL(gdopt_solver_minimize)(s, NULL, NULL, x, 2, &r));
    EXPECT_STATUS(GDOPT_ERR_NULL, "gdopt_solver_minimize", "x",
                  CALL(gdopt_solver_minimize)(s, rosenbrock, &correct, NULL, 2, &r));
    EXPECT_STATUS(GDOPT_ERR_SIZE, "gdopt_solver_minimize", "n=0",
                  CALL(gdopt_solver_minimize)(s, rosenbrock, &correct, x, 0, &r));
    EXPECT_STATUS(GDOPT_ERR_INVALID, "gdopt_solver_set", "tolerance", CALL(gdopt_solver_set)(s, "tolerance", 1));
    EXPECT_STATUS(GDOPT_ERR_INVALID, "gdopt_solver_set", "gtol=nan", CALL(gdopt_solver_set)(s, "gtol", NAN));
    EXPECT_STATUS(GDOPT_ERR_INVALID, "gdopt_solver_create", "bfgs", CALL(gdopt_solver_create)("bfgs", &s));
    CHECK(CALL(gdopt_solver_set)(s, "lower", 5) == GDOPT_OK);
    EXPECT_STATUS(GDOPT_ERR_INVALID, "gdopt_solver_minimize", "lower=5",
                  CALL(gdopt_solver_minimize)(s, rosenbrock, &correct, x, 2, &r));
    CALL(gdopt_solver_destroy)(s);
    EXPECT_STATUS(GDOPT_ERR_STATE, "gdopt_solver_set", "destroyed", CALL(gdopt_solver_set)(s, "gtol", 1));
    CALL(gdopt_solver_destroy)(NULL);

    CHECK(CALL(gdopt_solver_create)("newton", &s) == GDOPT_OK);
    CHECK(CALL(gdopt_solver_set_hessian)(s, rosenbrock2_hessian, &abort_flag) == GDOPT_OK);
    EXPECT_STATUS(GDOPT_ERR_CALLBACK, "gdopt_solver_minimize", "Hessian",
                  CALL(gdopt_solver_minimize)(s, rosenbrock, &correct, x, 2, &r));
    CALL(gdopt_solver_destroy)(s);
}

#include "harness_solvers.c"
#include "harness_hostile.c"
#include "harness_tables.c"

int main(int argc, char **argv) {
#ifdef GDOPT_HARNESS_DLOPEN
    if (argc < 2 || !load_library(argv[1])) {
        fprintf(stderr, "usage: %s path/to/libgdopt.so\n", argv[0]);
        return 2;
    }
#else
    (void)argc;
    (void)argv;
#endif
    fill();
    test_library_functions();
    test_error_table();
    test_objects_equal_kernels();
    test_adafactor_factored();
    test_helpers();
    test_corrupt_checkpoints(GDOPT_STATE_NATIVE);
    test_corrupt_checkpoints(GDOPT_STATE_BFLOAT16);
    test_compact_state();
    test_last_error_is_per_thread();
    test_fork_after_threads();
    test_tape();
    test_tape_replay();
    test_gradcheck();
    test_solvers();
    test_solver_bounds_and_ask_tell();
    test_solver_checkpoints();
    test_schedules();
    test_concurrent_handles();
    test_hostile_input();
    test_tables_and_state();
#ifdef GDOPT_HARNESS_DLOPEN
    dlclose(library);
#endif
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}

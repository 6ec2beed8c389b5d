/* `make test-limits`: every allocation whose size comes from an argument or a file, run in a
 * child process under setrlimit(RLIMIT_AS). The caller's own buffers are allocated first;
 * the limit then leaves HEADROOM above what the process already maps, so the library's
 * allocation is refused by the system. Each case must end in the expected status (MEMORY,
 * or OK for the calls that need no copy of the state), never in a signal, and a failed
 * call must leave the caller's buffers and the handle as they were. Ends with
 * "limits: N passed, N failed". Release build only: ASan's shadow memory does not fit. */
#include <gdopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

enum { HEADROOM = 256 << 20 };

/* Limits the address space to what is mapped now plus HEADROOM. */
static void limit_memory(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long pages = 0;
    if (!f || fscanf(f, "%lu", &pages) != 1) exit(3);
    fclose(f);
    rlim_t limit = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + HEADROOM;
    struct rlimit r = {limit, limit};
    if (setrlimit(RLIMIT_AS, &r) != 0) exit(3);
}

static int expect(gdopt_status got, gdopt_status want, const char *what) {
    if (got == want) return 1;
    fprintf(stderr, "  %s: got %s (%s), expected %s\n", what, gdopt_status_name(got), gdopt_last_error(),
            gdopt_status_name(want));
    return 0;
}

static double quadratic(size_t n, const double *x, double *grad, void *data) {
    (void)data;
    double f = 0;
    for (size_t i = 0; i < n; i++) {
        f += x[i] * x[i];
        if (grad) grad[i] = 2 * x[i];
    }
    return f;
}

/* ---- The cases: each returns 1 when it ended as it must. ---- */

/* newton at n = 20000 needs a 3.2 GB Hessian: refused, x unchanged. */
static int newton_hessian(void) {
    size_t n = 20000;
    double *x = calloc(n, sizeof *x);
    x[0] = 1;
    gdopt_solver *s = NULL;
    gdopt_solver_create("newton", &s);
    limit_memory();
    gdopt_result res;
    int ok = expect(gdopt_solver_minimize(s, quadratic, NULL, x, n, &res), GDOPT_ERR_MEMORY, "newton n=20000");
    return ok && x[0] == 1 && x[1] == 0;
}

/* lbfgs with memory = 200 pairs of n = 1e6 needs 3.2 GB. */
static int lbfgs_pairs(void) {
    size_t n = 1000000;
    double *x = calloc(n, sizeof *x);
    gdopt_solver *s = NULL;
    gdopt_solver_create("lbfgs", &s);
    gdopt_solver_set(s, "memory", 200);
    limit_memory();
    return expect(gdopt_solver_begin(s, x, n), GDOPT_ERR_MEMORY, "lbfgs memory=200 n=1e6");
}

/* Adam's first step on n = 1e8 floats needs 800 MB of state; the params stay as they were. */
static int optimizer_state(void) {
    size_t n = 100000000;
    float *p = calloc(n, sizeof *p), *g = calloc(n, sizeof *g);
    p[7] = 1.5f;
    g[7] = 1;
    gdopt_optimizer *o = NULL;
    gdopt_optimizer_create("adam", &o);
    limit_memory();
    size_t needed = 0, empty = 0;
    gdopt_optimizer_serialize(o, NULL, 0, &empty);
    int ok = expect(gdopt_optimizer_step_f32(o, 0, p, g, n), GDOPT_ERR_MEMORY, "adam step n=1e8");
    ok &= expect(gdopt_optimizer_check_f32(o, 0, p, g, n), GDOPT_ERR_MEMORY, "adam check n=1e8");
    ok &= expect(gdopt_optimizer_serialize(o, NULL, 0, &needed), GDOPT_OK, "serialize after") && needed == empty;
    return ok && p[7] == 1.5f;
}

/* With 400 MB of state and 256 MB of headroom: the size, serialize into the caller's
 * buffer and save need no second copy and succeed; loading it back cannot fit and is
 * MEMORY, with the optimizer unchanged. */
static int checkpoint_streams(void) {
    size_t n = 100000000;
    float *p = calloc(n, sizeof *p), *g = malloc(n * sizeof *g);
    for (size_t i = 0; i < n; i++) g[i] = (float)(i % 7) - 3;
    gdopt_optimizer *o = NULL;
    gdopt_optimizer_create("sgd", &o);
    gdopt_optimizer_set(o, "momentum", 0.9);
    if (gdopt_optimizer_step_f32(o, 0, p, g, n) != GDOPT_OK) return 0;
    free(g);
    size_t needed = 0;
    gdopt_optimizer_serialize(o, NULL, 0, &needed);
    unsigned char *bytes = malloc(needed);
    memset(bytes, 0, needed);
    char path[] = "/tmp/gdopt-limits-XXXXXX";
    close(mkstemp(path));
    limit_memory();
    size_t again = 0, written = 0;
    int ok = expect(gdopt_optimizer_serialize(o, NULL, 0, &again), GDOPT_OK, "size of 400 MB") && again == needed;
    ok &= expect(gdopt_optimizer_serialize(o, bytes, needed, &written), GDOPT_OK, "serialize 400 MB") &&
          written == needed;
    ok &= expect(gdopt_optimizer_save(o, path), GDOPT_OK, "save 400 MB");
    struct stat st;
    ok &= stat(path, &st) == 0 && (size_t)st.st_size == needed;
    ok &= expect(gdopt_optimizer_load(o, path), GDOPT_ERR_MEMORY, "load 400 MB");
    ok &= expect(gdopt_optimizer_deserialize(o, bytes, needed), GDOPT_ERR_MEMORY, "deserialize 400 MB");
    size_t after = 0;
    gdopt_optimizer_serialize(o, NULL, 0, &after);
    unlink(path);
    return ok && after == needed;
}

/* A tape leaf of 1e8 doubles. */
static int tape_leaf(void) {
    size_t shape[1] = {100000000};
    double *data = calloc(shape[0], sizeof *data);
    gdopt_tape *t = NULL;
    gdopt_tape_create(GDOPT_F64, &t);
    limit_memory();
    gdopt_node x = -1;
    return expect(gdopt_tape_variable_f64(t, data, 1, shape, &x), GDOPT_ERR_MEMORY, "tape leaf 1e8") && x == -1;
}

/* The gradient check copies x and holds two gradients of n. */
static int gradient_check(void) {
    size_t n = 100000000;
    double *x = calloc(n, sizeof *x);
    limit_memory();
    gdopt_gradcheck_result res;
    return expect(gdopt_gradcheck(quadratic, NULL, x, n, 1e-6, &res), GDOPT_ERR_MEMORY, "gradcheck n=1e8");
}

/* Bounds are copied, and a missing side is filled with infinities. */
static int solver_bounds(void) {
    size_t n = 50000000;
    double *lower = calloc(n, sizeof *lower);
    gdopt_solver *s = NULL;
    gdopt_solver_create("lbfgs", &s);
    limit_memory();
    return expect(gdopt_solver_set_bounds(s, lower, NULL, n), GDOPT_ERR_MEMORY, "bounds n=5e7");
}

/* A solver checkpoint of 400 MB (lbfgs, n = 1e7, memory 2) is saved under the limit. */
static int solver_checkpoint(void) {
    size_t n = 10000000;
    double *x = calloc(n, sizeof *x);
    for (size_t i = 0; i < n; i++) x[i] = 1;
    gdopt_solver *s = NULL;
    gdopt_solver_create("lbfgs", &s);
    gdopt_solver_set(s, "memory", 2);
    gdopt_solver_begin(s, x, n);
    size_t needed = 0;
    gdopt_solver_serialize(s, NULL, 0, &needed);
    char path[] = "/tmp/gdopt-limits-XXXXXX";
    close(mkstemp(path));
    limit_memory();
    int ok = expect(gdopt_solver_save(s, path), GDOPT_OK, "solver save") && needed > 300000000;
    unlink(path);
    return ok;
}

/* Files that are not checkpoints: bounded reads, no blocking. */
static int files(void) {
    gdopt_optimizer *o = NULL;
    gdopt_optimizer_create("adam", &o);
    limit_memory();
    int ok = expect(gdopt_optimizer_load(o, "/dev/zero"), GDOPT_ERR_IO, "load /dev/zero");
    ok &= expect(gdopt_optimizer_save(o, "/dev/null"), GDOPT_ERR_IO, "save /dev/null");
    char fifo[] = "/tmp/gdopt-limits-fifo-XXXXXX";
    close(mkstemp(fifo));
    unlink(fifo);
    mkfifo(fifo, 0600);
    ok &= expect(gdopt_optimizer_load(o, fifo), GDOPT_ERR_IO, "load a FIFO");
    unlink(fifo);
    return ok;
}

static const struct {
    const char *name;
    int (*run)(void);
} cases[] = {
    {"newton_hessian", newton_hessian},
    {"lbfgs_pairs", lbfgs_pairs},
    {"optimizer_state", optimizer_state},
    {"checkpoint_streams", checkpoint_streams},
    {"tape_leaf", tape_leaf},
    {"gradient_check", gradient_check},
    {"solver_bounds", solver_bounds},
    {"solver_checkpoint", solver_checkpoint},
    {"files", files},
};

int main(void) {
    int passed = 0, failed = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fflush(stdout);
        pid_t child = fork();
        if (child == 0) _exit(cases[i].run() ? 0 : 1);
        int status = 0;
        waitpid(child, &status, 0);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            passed++;
        } else {
            failed++;
            if (WIFSIGNALED(status))
                fprintf(stderr, "FAIL %s: killed by signal %d\n", cases[i].name, WTERMSIG(status));
            else
                fprintf(stderr, "FAIL %s: exit %d\n", cases[i].name, WEXITSTATUS(status));
        }
    }
    printf("limits: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}

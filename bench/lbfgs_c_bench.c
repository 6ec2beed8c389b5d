/* gdopt's lbfgs against libLBFGS (Debian's liblbfgs, the C library codes link for L-BFGS)
 * on the extended Rosenbrock function in the same run: the time per iteration spent
 * outside f (total minus the time inside f, the same C function for both), medians of
 * repeats, memory 10 for both, the same iteration count for both (no tolerance stops a
 * run early). gdopt runs on 1 thread and on every core; libLBFGS has one thread.
 *
 *     make bench-solvers        (or: bench/lbfgs_c_bench [n] [iterations] [repeats]) */
#include <gdopt.h>
#include <lbfgs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double inside_f; /* seconds spent in the objective */
static long calls;

static double rosenbrock(size_t n, const double *x, double *g) {
    double start = now(), f = 0;
    for (size_t i = 0; i + 1 < n; i += 2) {
        double t = x[i + 1] - x[i] * x[i], u = 1 - x[i];
        f += 100 * t * t + u * u;
        if (g) {
            g[i] = -400 * x[i] * t - 2 * u;
            g[i + 1] = 200 * t;
        }
    }
    inside_f += now() - start;
    calls++;
    return f;
}

static double objective_for_gdopt(size_t n, const double *x, double *g, void *data) {
    (void)data;
    return rosenbrock(n, x, g);
}

static lbfgsfloatval_t liblbfgs_objective(void *data, const lbfgsfloatval_t *x, lbfgsfloatval_t *g, const int n,
                                          const lbfgsfloatval_t step) {
    (void)data, (void)step;
    return rosenbrock((size_t)n, x, g);
}

static void start_point(double *x, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] = i % 2 == 0 ? -1.2 : 1.0;
}

typedef struct {
    double per_iteration;
    long iterations, evaluations;
    double f;
} Run;

static Run run_gdopt(size_t n, int iterations, int threads) {
    gdopt_set_num_threads(threads);
    gdopt_solver *s = NULL;
    gdopt_solver_create("lbfgs", &s);
    gdopt_solver_set(s, "memory", 10);
    gdopt_solver_set(s, "gtol", 0);
    gdopt_solver_set(s, "max_iter", iterations);
    double *x = malloc(n * sizeof *x);
    start_point(x, n);
    inside_f = 0, calls = 0;
    gdopt_result r;
    double start = now();
    gdopt_status status = gdopt_solver_minimize(s, objective_for_gdopt, NULL, x, n, &r);
    double total = now() - start;
    if (status != GDOPT_OK) fprintf(stderr, "gdopt: %s\n", gdopt_last_error());
    free(x);
    gdopt_solver_destroy(s);
    return (Run){(total - inside_f) / (double)r.iterations, (long)r.iterations, calls, r.f};
}

static int count_iterations(void *data, const lbfgsfloatval_t *x, const lbfgsfloatval_t *g, const lbfgsfloatval_t fx,
                            const lbfgsfloatval_t xnorm, const lbfgsfloatval_t gnorm, const lbfgsfloatval_t step, int n,
                            int k, int ls) {
    (void)x, (void)g, (void)fx, (void)xnorm, (void)gnorm, (void)step, (void)n, (void)ls;
    *(int *)data = k;
    return 0;
}

static Run run_liblbfgs(size_t n, int iterations) {
    lbfgs_parameter_t parameters;
    lbfgs_parameter_init(&parameters);
    parameters.m = 10;
    parameters.epsilon = 0;
    parameters.max_iterations = iterations;
    lbfgsfloatval_t *x = lbfgs_malloc((int)n), f = 0;
    start_point(x, n);
    inside_f = 0, calls = 0;
    int done = 0;
    double start = now();
    int status = lbfgs((int)n, x, &f, liblbfgs_objective, count_iterations, &done, &parameters);
    double total = now() - start;
    if (status < 0 && status != LBFGSERR_MAXIMUMITERATION) fprintf(stderr, "libLBFGS: status %d\n", status);
    lbfgs_free(x);
    return (Run){(total - inside_f) / (double)done, done, calls, f};
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *values, int count) {
    qsort(values, (size_t)count, sizeof *values, by_value);
    return values[count / 2];
}

static void describe_machine(void) {
    char line[4096], model[256] = "unknown";
    FILE *cpuinfo = fopen("/proc/cpuinfo", "r");
    int avx2 = 0, avx512 = 0;
    while (cpuinfo && fgets(line, sizeof line, cpuinfo)) {
        if (strncmp(line, "model name", 10) == 0 && strcmp(model, "unknown") == 0) {
            strncpy(model, strchr(line, ':') + 2, sizeof model - 1);
            model[strcspn(model, "\n")] = 0;
        }
        if (strncmp(line, "flags", 5) == 0)
            avx2 = strstr(line, " avx2") != NULL, avx512 = strstr(line, " avx512f") != NULL;
    }
    if (cpuinfo) fclose(cpuinfo);
    printf("CPU: %s (%ld cores; %s)\n", model, sysconf(_SC_NPROCESSORS_ONLN),
           avx512 ? "AVX-512"
           : avx2 ? "AVX2"
                  : "SSE2");
    printf("gdopt %s: %s\n", gdopt_version(), gdopt_build_info());
    printf("libLBFGS: Debian's liblbfgs (lbfgs_malloc-aligned vectors)\n");
}

int main(int argc, char **argv) {
    size_t n = argc > 1 ? (size_t)atol(argv[1]) : 1000000;
    int iterations = argc > 2 ? atoi(argv[2]) : 30, repeats = argc > 3 ? atoi(argv[3]) : 5;
    describe_machine();
    printf("extended Rosenbrock, n = %zu, %d iterations, memory 10, %d repeats (medians)\n\n", n, iterations, repeats);
    double one[64], all[64], theirs[64];
    Run a = {0}, b = {0}, c = {0};
    for (int r = 0; r < repeats && r < 64; r++) { /* interleaved, so that drift hits all three */
        c = run_liblbfgs(n, iterations);
        theirs[r] = c.per_iteration;
        a = run_gdopt(n, iterations, 1);
        one[r] = a.per_iteration;
        b = run_gdopt(n, iterations, 0);
        all[r] = b.per_iteration;
    }
    double m1 = median(one, repeats), m2 = median(all, repeats), m3 = median(theirs, repeats);
    printf("| implementation | iterations | evaluations | final f | outside f per iteration | ratio to libLBFGS |\n");
    printf("|---|---|---|---|---|---|\n");
    printf("| libLBFGS | %ld | %ld | %.6g | %.3f ms | 1.00 |\n", c.iterations, c.evaluations, c.f, 1e3 * m3);
    printf("| gdopt, 1 thread | %ld | %ld | %.6g | %.3f ms | %.2f |\n", a.iterations, a.evaluations, a.f, 1e3 * m1,
           m1 / m3);
    printf("| gdopt, %ld threads | %ld | %ld | %.6g | %.3f ms | %.2f |\n", sysconf(_SC_NPROCESSORS_ONLN), b.iterations,
           b.evaluations, b.f, 1e3 * m2, m2 / m3);
    return 0;
}

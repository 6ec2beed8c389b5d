/* Runs `iterations` iterations of every minimize method (large enough to split over two
 * threads; lbfgs also with bounds, i.e. L-BFGS-B; newton small, with its differenced
 * Hessian), through gdopt_solver_minimize and through ask/tell. Run under valgrind with two
 * iteration counts by `make test`: the allocation counts must be equal, i.e. after
 * begin a solver iteration allocates nothing. */
#include <gdopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static double rosenbrock(size_t n, const double *x, double *g, void *data) {
    (void)data;
    double f = 0;
    for (size_t i = 0; i + 1 < n; i += 2) {
        double t = x[i + 1] - x[i] * x[i], u = 1 - x[i];
        f += 100 * t * t + u * u;
        if (g) g[i] = -400 * x[i] * t - 2 * u, g[i + 1] = 200 * t;
    }
    return f;
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    int iterations = atoi(argv[1]), failures = 0;
    const size_t big = 70000, small = 20;
    double *x = malloc(big * sizeof *x), *g = malloc(big * sizeof *g), *lower = malloc(big * sizeof *lower);
    double *upper = malloc(big * sizeof *upper);
    for (size_t i = 0; i < big; i++) lower[i] = -2, upper[i] = i % 3 == 0 ? 0.5 : INFINITY;
    gdopt_set_num_threads(2);
    const char *methods[] = {"gd",     "gd_linesearch", "momentum",           "adam", "lbfgs", "lbfgs",
                             "newton", "random_search", "random_local_search"};
    int only = argc > 2 ? atoi(argv[2]) : -1; /* one method, to find which allocates */
    for (int m = 0; m < 9; m++) {
        if (only >= 0 && m != only) continue;
        size_t n = m == 6 ? small : big;
        for (int via_ask = 0; via_ask < 2; via_ask++) {
            gdopt_solver *s = NULL;
            failures += gdopt_solver_create(methods[m], &s) != GDOPT_OK;
            failures += gdopt_solver_set(s, "gtol", 0) != GDOPT_OK;
            failures += gdopt_solver_set(s, "max_iter", iterations) != GDOPT_OK;
            failures += gdopt_solver_set(s, "lr", 1e-5) != GDOPT_OK;
            if (m == 5) failures += gdopt_solver_set_bounds(s, lower, upper, n) != GDOPT_OK;
            for (size_t i = 0; i < n; i++) x[i] = i % 2 == 0 ? -1.2 : 1.0;
            gdopt_result r;
            if (!via_ask) {
                failures += gdopt_solver_minimize(s, rosenbrock, NULL, x, n, &r) != GDOPT_OK;
            } else {
                gdopt_task task = 0;
                failures += gdopt_solver_begin(s, x, n) != GDOPT_OK;
                while (gdopt_solver_ask(s, x, n, &task) == GDOPT_OK && task != GDOPT_TASK_DONE)
                    if (task == GDOPT_TASK_EVALUATE)
                        failures += gdopt_solver_tell(s, rosenbrock(n, x, g, NULL), g, n) != GDOPT_OK;
                failures += gdopt_solver_result(s, &r) != GDOPT_OK;
            }
            if (r.iterations != (size_t)iterations) {
                fprintf(stderr, "%s: %zu iterations (reason %d), expected %d\n", methods[m], r.iterations, r.reason,
                        iterations);
                failures++;
            }
            gdopt_solver_destroy(s);
        }
    }
    free(x), free(g), free(lower), free(upper);
    printf("solver iterations: %d failures\n", failures);
    return failures != 0;
}

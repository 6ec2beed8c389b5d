/* Minimises the n-dimensional Rosenbrock function with gdopt's L-BFGS, printing progress
 * every 10 iterations. Build: cc rosenbrock_lbfgs.c -lgdopt -lm (see the README). */
#include <gdopt.h>
#include <stdio.h>

/* sum_i 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2, with its gradient when grad is not NULL. */
static double rosenbrock(size_t n, const double *x, double *grad, void *data) {
    (void)data;
    double f = 0;
    if (grad)
        for (size_t i = 0; i < n; i++) grad[i] = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        double a = x[i + 1] - x[i] * x[i], b = 1 - x[i];
        f += 100 * a * a + b * b;
        if (grad) {
            grad[i] += -400 * x[i] * a - 2 * b;
            grad[i + 1] += 200 * a;
        }
    }
    return f;
}

static int report(const gdopt_progress *p, void *data) {
    (void)data;
    if (p->iteration % 10 == 0)
        printf("iteration %3zu  evaluations %3zu  f %.6e  max|g| %.3e\n", p->iteration, p->evaluations, p->f,
               p->grad_norm);
    return 0; /* nonzero would stop the run */
}

int main(void) {
    enum { N = 10 };
    double x[N];
    for (size_t i = 0; i < N; i++) x[i] = i % 2 ? 1.0 : -1.2; /* the classic start */
    gdopt_solver *solver;
    gdopt_result result;
    if (gdopt_solver_create("lbfgs", &solver) != GDOPT_OK || gdopt_solver_set(solver, "gtol", 1e-8) != GDOPT_OK ||
        gdopt_solver_set_progress(solver, report, NULL) != GDOPT_OK ||
        gdopt_solver_minimize(solver, rosenbrock, NULL, x, N, &result) != GDOPT_OK) {
        fprintf(stderr, "gdopt: %s\n", gdopt_last_error());
        return 1;
    }
    gdopt_solver_destroy(solver);
    printf("reason %d (1 = converged on gtol) after %zu iterations and %zu evaluations\n", result.reason,
           result.iterations, result.evaluations);
    printf("f = %.3e, max|g| = %.3e\n", result.f, result.grad_norm);
    printf("x =");
    for (size_t i = 0; i < N; i++) printf(" %.8f", x[i]);
    printf("\n");
    return result.reason == GDOPT_CONVERGED_GTOL ? 0 : 1;
}

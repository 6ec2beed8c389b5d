/* Data-parallel L-BFGS under MPI with ask/tell: a nonlinear least-squares fit of a logistic
 * model, p_i = sigmoid(x_i . w), to observed probabilities, with the rows split over the ranks. Every rank runs the
 * same ask/tell loop on its own solver; at each EVALUATE it computes f and the gradient over its rows, and one
 * MPI_Allreduce sums them. Every rank then tells its solver the same bits, so every solver visits the same points and
 * ends with the same x: no rank is special and nothing is broadcast. (Open MPI's allreduce gives every rank the same
 * sum, bit for bit; with an MPI that does not, reduce to one rank and broadcast instead.)
 *
 * At the end, the ranks compare their results bit for bit, and rank 0 runs the same fit
 * over all the rows alone (MPI_COMM_SELF): the sums are taken in another order, so the
 * two agree to rounding, not to the bit. The observations are exact, so the misfit's minimum
 * is 0 at the true weights and both runs can converge far below the misfit's rounding.
 *
 * Build: mpicc mpi_lbfgs.c -lgdopt -lm. Run: mpirun -n 4 ./mpi_lbfgs */
#include <gdopt.h>
#include <math.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ROWS = 20000, FEATURES = 20 };

/* A uniform number in [-1, 1) from a counter (SplitMix64): the data of row i is the same
 * whatever the number of ranks. */
static double uniform(uint64_t counter) {
    uint64_t z = counter * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (double)(z >> 11) / 4503599627370496.0 - 1.0; /* 2^52 */
}

static double true_weight(size_t j) {
    return 2.0 * uniform(1000000007ull + j);
}

static double sigmoid(double s) {
    return 1 / (1 + exp(-s));
}

static void make_row(size_t i, double *x, double *y) {
    double score = 0;
    for (size_t j = 0; j < FEATURES; j++) {
        x[j] = uniform((uint64_t)i * FEATURES + j);
        score += x[j] * true_weight(j);
    }
    *y = sigmoid(score);
}

/* sum over the rows of (p_i - y_i)^2 / 2, and its gradient (unnormalised: the ranks add them). */
static void local_misfit(const double *x, const double *y, size_t rows, const double *w, double *out) {
    memset(out, 0, (FEATURES + 1) * sizeof *out);
    for (size_t i = 0; i < rows; i++) {
        const double *xi = x + i * FEATURES;
        double score = 0;
        for (size_t j = 0; j < FEATURES; j++) score += xi[j] * w[j];
        const double p = sigmoid(score), residual = p - y[i];
        out[0] += 0.5 * residual * residual;
        for (size_t j = 0; j < FEATURES; j++) out[1 + j] += residual * p * (1 - p) * xi[j];
    }
}

/* Fits w over rows [first, last) of this rank, summing over comm. Returns the status. */
static gdopt_status fit(MPI_Comm comm, size_t first, size_t last, double *w, gdopt_result *result) {
    const size_t rows = last - first;
    double *x = malloc(rows * FEATURES * sizeof *x), *y = malloc(rows * sizeof *y);
    double local[FEATURES + 1], total[FEATURES + 1], grad[FEATURES];
    for (size_t i = 0; i < rows; i++) make_row(first + i, x + i * FEATURES, y + i);
    gdopt_solver *solver = NULL;
    gdopt_status status = gdopt_solver_create("lbfgs", &solver);
    if (status == GDOPT_OK) status = gdopt_solver_set(solver, "gtol", 1e-14);
    memset(w, 0, FEATURES * sizeof *w);
    if (status == GDOPT_OK) status = gdopt_solver_begin(solver, w, FEATURES);
    for (gdopt_task task = 0; status == GDOPT_OK;) {
        status = gdopt_solver_ask(solver, w, FEATURES, &task);
        if (status != GDOPT_OK || task == GDOPT_TASK_DONE) break;
        if (task != GDOPT_TASK_EVALUATE) continue;
        local_misfit(x, y, rows, w, local);
        MPI_Allreduce(local, total, FEATURES + 1, MPI_DOUBLE, MPI_SUM, comm);
        for (size_t j = 0; j < FEATURES; j++) grad[j] = total[1 + j] / ROWS;
        status = gdopt_solver_tell(solver, total[0] / ROWS, grad, FEATURES);
    }
    if (status == GDOPT_OK) status = gdopt_solver_result(solver, result);
    if (status != GDOPT_OK) fprintf(stderr, "gdopt: %s\n", gdopt_last_error());
    gdopt_solver_destroy(solver);
    free(x);
    free(y);
    return status;
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, ranks;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    const size_t first = ROWS * (size_t)rank / ranks, last = ROWS * (size_t)(rank + 1) / ranks;
    double w[FEATURES];
    gdopt_result result;
    int failed = fit(MPI_COMM_WORLD, first, last, w, &result) != GDOPT_OK;

    /* Every rank's x, f and counts, compared bit for bit on rank 0. */
    double mine[FEATURES + 3], *all = rank == 0 ? malloc((size_t)ranks * sizeof mine) : NULL;
    memcpy(mine, w, sizeof w);
    mine[FEATURES] = result.f;
    mine[FEATURES + 1] = (double)result.iterations;
    mine[FEATURES + 2] = (double)result.evaluations;
    MPI_Gather(mine, FEATURES + 3, MPI_DOUBLE, all, FEATURES + 3, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    if (rank == 0) {
        int agree = 1;
        for (int r = 1; r < ranks; r++) agree &= memcmp(all, all + (size_t)r * (FEATURES + 3), sizeof mine) == 0;
        double alone[FEATURES], truth_error = 0, difference = 0, scale = 0;
        gdopt_result alone_result;
        failed |= fit(MPI_COMM_SELF, 0, ROWS, alone, &alone_result) != GDOPT_OK;
        for (size_t j = 0; j < FEATURES; j++) {
            truth_error = fmax(truth_error, fabs(w[j] - true_weight(j)));
            difference = fmax(difference, fabs(w[j] - alone[j]));
            scale = fmax(scale, fabs(alone[j]));
        }
        difference /= scale;
        printf("ranks %d, rows %d (%zu on rank 0), features %d\n", ranks, ROWS, last - first, FEATURES);
        printf("lbfgs: reason %d after %zu iterations and %zu evaluations, f = %.3e\n", result.reason,
               result.iterations, result.evaluations, result.f);
        printf("ranks agree bit for bit (x, f, counts): %s\n", agree ? "yes" : "no");
        printf("one process: %zu iterations, %zu evaluations, max |x - x_alone| / max |x_alone| = %.3e\n",
               alone_result.iterations, alone_result.evaluations, difference);
        printf("max |w - w_true| = %.3e\n", truth_error);
        failed |= !agree || result.reason != GDOPT_CONVERGED_GTOL;
        free(all);
    }
    MPI_Bcast(&failed, 1, MPI_INT, 0, MPI_COMM_WORLD);
    MPI_Finalize();
    return failed;
}

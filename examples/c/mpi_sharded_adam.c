/* An MPI simulation code that fits its parameters in the ZeRO-1 pattern: every rank holds
 * all N parameters, computes the gradient of its own share of the data, and owns the Adam
 * state (m, v) of only its contiguous 1/P shard of the parameters. Each step:
 *   MPI_Reduce_scatter  sums the ranks' gradients; rank r receives shard r of the sum;
 *   gdopt_adam_update   updates rank r's slice of the parameters in place;
 *   MPI_Allgatherv      gives every rank the whole updated parameter vector.
 * Build: mpicc mpi_sharded_adam.c -lgdopt -lm; run: mpirun -n 4 ./a.out */
#include <gdopt.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

enum { N = 1000, SAMPLES_PER_RANK = 64, STEPS = 500 };

/* The "truth" the simulation is fitted to, and rank-local observations of it. */
static double truth(int i) {
    return sin(0.01 * i);
}

/* Gradient of this rank's mean squared misfit: each sample observes one parameter. */
static void local_gradient(const double *params, int rank, double *grad) {
    for (int i = 0; i < N; i++) grad[i] = 0;
    for (int s = 0; s < SAMPLES_PER_RANK; s++)
        for (int i = (rank * 7 + s) % 16; i < N; i += 16) grad[i] += 2 * (params[i] - truth(i)) / SAMPLES_PER_RANK;
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    /* Shard bounds: the first N % size ranks get one element more. */
    int *counts = malloc(size * sizeof *counts), *displs = malloc(size * sizeof *displs);
    for (int r = 0, offset = 0; r < size; r++) {
        counts[r] = N / size + (r < N % size);
        displs[r] = offset;
        offset += counts[r];
    }
    int lo = displs[rank], mine = counts[rank];
    double *params = calloc(N, sizeof *params), *grad = malloc(N * sizeof *grad);
    double *shard_grad = malloc(mine * sizeof *shard_grad);
    double *m = calloc(mine, sizeof *m), *v = calloc(mine, sizeof *v); /* 1/P of Adam's state */

    for (uint64_t t = 1; t <= STEPS; t++) {
        local_gradient(params, rank, grad);
        MPI_Reduce_scatter(grad, shard_grad, counts, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
        for (int i = 0; i < mine; i++) shard_grad[i] /= size; /* the average over ranks */
        if (mine > 0 && gdopt_adam_update_f64(params + lo, shard_grad, m, v, NULL, (size_t)mine, t, 0.01, 0.9, 0.999,
                                              1e-8, 0.0, 0) != GDOPT_OK) {
            fprintf(stderr, "rank %d: %s\n", rank, gdopt_last_error());
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
        MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, params, counts, displs, MPI_DOUBLE, MPI_COMM_WORLD);
    }

    /* Every rank must hold the same parameters: compare with rank 0's (reusing grad). */
    double worst = 0, mismatch = 0, spread = 0;
    for (int i = 0; i < N; i++) worst = fmax(worst, fabs(params[i] - truth(i))), grad[i] = params[i];
    MPI_Bcast(grad, N, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    for (int i = 0; i < N; i++) mismatch = fmax(mismatch, fabs(params[i] - grad[i]));
    MPI_Reduce(&mismatch, &spread, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    long state = 2L * mine * (long)sizeof(double), total_state;
    MPI_Reduce(&state, &total_state, 1, MPI_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
    if (rank == 0) {
        printf("ranks %d, parameters %d, rank 0 owns [%d, %d): Adam state %ld bytes of %ld\n", size, N, lo, lo + mine,
               state, total_state);
        printf("after %d steps: max |param - truth| = %.2e, ranks differ by %.1e\n", STEPS, worst, spread);
    }
    free(params), free(grad), free(shard_grad), free(m), free(v), free(counts), free(displs);
    MPI_Finalize();
    return 0;
}

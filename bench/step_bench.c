/* Times gdopt_optimizer_step_f32 (Adam, momentum-SGD) against a plain C loop of the same
 * update, compiled in the same run with -O3 -march=native -fno-math-errno -ffp-contract=off
 * (the same arithmetic, for this CPU), on 1 thread and on 2 threads (the loop then uses
 * OpenMP). The library is the default build: its loops are the copy for this CPU's SIMD level. Prints the median
 * time per step over repeats and the ratio gdopt / C loop (lower is better; 1.0 = par).
 *
 *   bench/step_bench [threads...]      default: 1 2
 */
#include <gdopt.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct {
    float *p, *g, *m, *v;
    size_t n;
    uint64_t t;
} Buffers;

/* The reference loops: the §6 equations, as a user would write them by hand. */
static void adam_loop(Buffers *b, int threads) {
    const float lr = 1e-3f, b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
    b->t++;
    const float step = (float)(1e-3 / (1 - pow(0.9, (double)b->t)));
    const float bc2s = (float)sqrt(1 - pow(0.999, (double)b->t));
    (void)lr;
    float *restrict p = b->p, *restrict m = b->m, *restrict v = b->v;
    const float *restrict g = b->g;
    long n = (long)b->n;
#pragma omp parallel for num_threads(threads) if (threads > 1) schedule(static)
    for (long i = 0; i < n; i++) {
        float d = g[i];
        m[i] = b1 * m[i] + (1 - b1) * d;
        v[i] = b2 * v[i] + (1 - b2) * d * d;
        p[i] -= step * m[i] / (sqrtf(v[i]) / bc2s + eps);
    }
}

static void sgd_loop(Buffers *b, int threads) {
    const float lr = 1e-3f, mu = 0.9f;
    float *restrict p = b->p, *restrict m = b->m;
    const float *restrict g = b->g;
    long n = (long)b->n;
    int first = b->t++ == 0;
#pragma omp parallel for num_threads(threads) if (threads > 1) schedule(static)
    for (long i = 0; i < n; i++) {
        float buf = first ? g[i] : mu * m[i] + g[i];
        m[i] = buf;
        p[i] -= lr * buf;
    }
}

static Buffers make(size_t n) {
    Buffers b = {malloc(n * 4), malloc(n * 4), calloc(n, 4), calloc(n, 4), n, 0};
    for (size_t i = 0; i < n; i++) {
        b.p[i] = (float)(i % 97) * 0.01f;
        b.g[i] = (float)((i * 7919) % 101) * 0.001f - 0.05f;
    }
    return b;
}

static void release(Buffers *b) {
    free(b->p);
    free(b->g);
    free(b->m);
    free(b->v);
}

/* Median over repeats of the mean time of `inner` steps. */
static double median_time(size_t n, int repeats, void (*run)(void *, Buffers *), void *ctx) {
    Buffers b = make(n);
    int inner = (int)(5e6 / (double)n);
    if (inner < 2) inner = 2;
    double times[31];
    run(ctx, &b); /* warm-up: first-touch, slot creation, worker start */
    for (int r = 0; r < repeats; r++) {
        double start = now();
        for (int i = 0; i < inner; i++) run(ctx, &b);
        times[r] = (now() - start) / inner;
    }
    release(&b);
    qsort(times, (size_t)repeats, sizeof times[0], cmp);
    return times[repeats / 2];
}

typedef struct {
    const char *kind;
    int threads;
    gdopt_optimizer *o;
} Ctx;

static void run_gdopt(void *c, Buffers *b);

/* The cost of reject_nonfinite (a read of the gradient before the step) on Adam at n=1e7:
 * steps with and without it alternate on the same buffers, so that both see the same
 * machine state; medians of 31 pairs. */
static void nonfinite_cost(int threads) {
    enum { PAIRS = 31 };
    double times[2][PAIRS];
    gdopt_optimizer *o[2];
    Buffers b = make(10000000);
    gdopt_set_num_threads(threads);
    for (int reject = 0; reject < 2; reject++) {
        gdopt_optimizer_create("adam", &o[reject]);
        gdopt_optimizer_set(o[reject], "reject_nonfinite", reject);
        run_gdopt(&(Ctx){"adam", threads, o[reject]}, &b); /* warm-up */
    }
    for (int r = 0; r < PAIRS; r++)
        for (int reject = 0; reject < 2; reject++) {
            double start = now();
            run_gdopt(&(Ctx){"adam", threads, o[reject]}, &b);
            times[reject][r] = now() - start;
        }
    for (int reject = 0; reject < 2; reject++) {
        qsort(times[reject], PAIRS, sizeof times[reject][0], cmp);
        gdopt_optimizer_destroy(o[reject]);
    }
    release(&b);
    double off = times[0][PAIRS / 2], on = times[1][PAIRS / 2];
    printf("adam n=1e7 threads=%d: reject_nonfinite off %.2f ms, on %.2f ms, cost %+.1f%%\n", threads, off * 1e3,
           on * 1e3, (on / off - 1) * 100);
}

static void run_gdopt(void *c, Buffers *b) {
    Ctx *ctx = c;
    if (gdopt_optimizer_step_f32(ctx->o, 0, b->p, b->g, b->n) != GDOPT_OK) {
        fprintf(stderr, "step failed: %s\n", gdopt_last_error());
        exit(1);
    }
}

static void run_loop(void *c, Buffers *b) {
    Ctx *ctx = c;
    if (strcmp(ctx->kind, "adam") == 0)
        adam_loop(b, ctx->threads);
    else
        sgd_loop(b, ctx->threads);
}

int main(int argc, char **argv) {
    int thread_counts[8] = {1, 2}, nthreads = 2;
    if (argc > 1) {
        nthreads = 0;
        for (int i = 1; i < argc && nthreads < 8; i++) thread_counts[nthreads++] = atoi(argv[i]);
    }
    const size_t sizes[] = {1000, 100000, 1000000, 10000000};
    const char *kinds[] = {"adam", "sgd"};
    printf("gdopt %s: %s\ngdopt_optimizer_step_f32, median of 9 repeats\n", gdopt_version(), gdopt_build_info());
    printf("%-6s %-8s %7s %14s %14s %7s\n", "kind", "n", "threads", "gdopt us/step", "C loop us/step", "ratio");
    for (int k = 0; k < 2; k++)
        for (int ti = 0; ti < nthreads; ti++)
            for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
                Ctx ctx = {kinds[k], thread_counts[ti], NULL};
                gdopt_set_num_threads(ctx.threads);
                gdopt_optimizer_create(kinds[k], &ctx.o);
                if (k == 1) gdopt_optimizer_set(ctx.o, "momentum", 0.9);
                int repeats = sizes[s] >= 10000000 ? 5 : 9;
                double lib = median_time(sizes[s], repeats, run_gdopt, &ctx);
                double loop = median_time(sizes[s], repeats, run_loop, &ctx);
                gdopt_optimizer_destroy(ctx.o);
                printf("%-6s %-8zu %7d %14.3f %14.3f %7.2f\n", kinds[k], sizes[s], ctx.threads, lib * 1e6, loop * 1e6,
                       lib / loop);
                fflush(stdout);
            }
    for (int ti = 0; ti < nthreads; ti++) nonfinite_cost(thread_counts[ti]);
    return 0;
}

/* OpenBLAS from Debian's libopenblas-dev: CBLAS for the tape's matrix products, and
 * openblas_set_num_threads so that gdopt_set_num_threads governs BLAS threads too. */
#include <cblas.h>

/* LAPACK, from the same libopenblas (Debian ships no lapack.h with it): Newton's Cholesky
 * factorisation and solve, and the small dense solves of L-BFGS-B. */
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);
void dpotrs_(const char *uplo, const int *n, const int *nrhs, const double *a, const int *lda, double *b,
             const int *ldb, int *info);
void dgesv_(const int *n, const int *nrhs, double *a, const int *lda, int *ipiv, double *b, const int *ldb,
            int *info);

/* OpenBLAS's view of the machine, and the CPU's: when the CPU has AVX2 but OpenBLAS picked
 * an older core (0.3.21 does not know the newest Intel CPUs and falls back to Prescott),
 * the tape's products go to BLIS, which dispatches on CPU features (cblas.h declares
 * openblas_get_corename). */

static inline int gdopt_cpu_supports_avx2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

static inline int gdopt_cpu_supports_avx512f(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f");
}

/* The SIMD level of gdopt's own loops (GDOptLoops): 2 where the CPU and the OS run x86-64-v4
 * (AVX-512 F, BW, CD, DQ, VL), 1 for x86-64-v3 (AVX2, FMA, BMI1/2, F16C, LZCNT, MOVBE), else 0. */
static inline int gdopt_cpu_level(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("x86-64-v4") ? 2 : __builtin_cpu_supports("x86-64-v3") ? 1 : 0;
}

/* libxsmm 1.17 (Debian's libxsmm-dev, linked statically; libxsmm_blasint is int): small
 * products JIT-compiled for the CPU's vectors, used where OpenBLAS does not know the CPU.
 * A dispatch returns a kernel, or NULL for what libxsmm does not generate (a transposed A).
 * Its kernels are variadic C functions, which Swift cannot call: gdopt_xsmm_run_* call them. */
void *libxsmm_smmdispatch(int m, int n, int k, const int *lda, const int *ldb, const int *ldc, const float *alpha,
                          const float *beta, const int *flags, const int *prefetch);
void *libxsmm_dmmdispatch(int m, int n, int k, const int *lda, const int *ldb, const int *ldc, const double *alpha,
                          const double *beta, const int *flags, const int *prefetch);
const char *libxsmm_get_target_arch(void);

static inline void gdopt_xsmm_run_f32(const void *kernel, const float *a, const float *b, float *c) {
    ((void (*)(const float *, const float *, float *, ...))kernel)(a, b, c);
}

static inline void gdopt_xsmm_run_f64(const void *kernel, const double *a, const double *b, double *c) {
    ((void (*)(const double *, const double *, double *, ...))kernel)(a, b, c);
}

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

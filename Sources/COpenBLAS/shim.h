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

/* OpenBLAS from Debian's libopenblas-dev: CBLAS for the tape's matrix products, and
 * openblas_set_num_threads so that gdopt_set_num_threads governs BLAS threads too. */
#include <cblas.h>

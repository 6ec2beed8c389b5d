/* Loads libgdopt.so at run time, checks that it speaks the ABI this program was compiled
 * against, and drives the stateless Adam kernel on a buffer the program owns (it owns
 * the moment buffers too). Build: cc dlopen_adam.c -ldl -lm; run: ./a.out [path/to/libgdopt.so] */
#include <dlfcn.h>
#include <gdopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

typedef int (*abi_version_fn)(void);
typedef const char *(*text_fn)(void);
typedef gdopt_status (*adam_f32_fn)(float *, const float *, float *, float *, float *, size_t, uint64_t, double, double,
                                    double, double, double, int);

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "libgdopt.so";
    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 1;
    }
    abi_version_fn abi_version = (abi_version_fn)dlsym(lib, "gdopt_abi_version");
    text_fn version = (text_fn)dlsym(lib, "gdopt_version"), last_error = (text_fn)dlsym(lib, "gdopt_last_error");
    adam_f32_fn adam = (adam_f32_fn)dlsym(lib, "gdopt_adam_update_f32");
    if (!abi_version || !version || !last_error || !adam) {
        fprintf(stderr, "%s is missing gdopt symbols\n", path);
        return 1;
    }
    if (abi_version() != GDOPT_ABI_VERSION) {
        fprintf(stderr, "%s has ABI %d, this program needs %d\n", path, abi_version(), GDOPT_ABI_VERSION);
        return 1;
    }
    printf("loaded gdopt %s (ABI %d)\n", version(), abi_version());

    /* Minimise sum_i (p_i - target_i)^2 / 2 over n parameters: the gradient is p - target. */
    enum { N = 1000 };
    float *p = calloc(N, sizeof *p), *g = malloc(N * sizeof *g), *m = calloc(N, sizeof *m), *v = calloc(N, sizeof *v);
    float *target = malloc(N * sizeof *target);
    if (!p || !g || !m || !v || !target) return 1;
    for (size_t i = 0; i < N; i++) target[i] = sinf((float)i);
    enum { STEPS = 2000 };
    for (uint64_t t = 1; t <= STEPS; t++) { /* t counts steps from 1 */
        for (size_t i = 0; i < N; i++) g[i] = p[i] - target[i];
        double lr = 0.05 * (1.0 - (double)(t - 1) / STEPS); /* linear decay to 0 */
        if (adam(p, g, m, v, NULL, N, t, lr, 0.9, 0.999, 1e-8, 0.0, 0) != GDOPT_OK) {
            fprintf(stderr, "gdopt: %s\n", last_error());
            return 1;
        }
    }
    float worst = 0;
    for (size_t i = 0; i < N; i++) worst = fmaxf(worst, fabsf(p[i] - target[i]));
    printf("after %d Adam steps, max |p - target| = %.2e\n", STEPS, worst);

    /* A bad call fails with a status and a message, and leaves the buffers alone. */
    gdopt_status status = adam(p, g, m, v, NULL, N, 0, 0.01, 0.9, 0.999, 1e-8, 0.0, 0);
    printf("t = 0 is rejected: status %d, \"%s\"\n", status, last_error());

    free(p), free(g), free(m), free(v), free(target);
    dlclose(lib);
    return worst < 1e-4f ? 0 : 1;
}

/* Takes `steps` steps of every kind, through the optimizer objects (large, threaded, with
 * clipping and the non-finite check; some with compact state) and the stateless kernels, and records, differentiates
 * and clears a small network on a tape each step. Run under valgrind with two step counts
 * by `make test`: the allocation counts must be equal, i.e. a step allocates nothing and
 * a cleared tape reuses its memory. */
#include <gdopt.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    int steps = atoi(argv[1]);
    const size_t n = 300000; /* above the threading threshold on 2 threads */
    float *p = calloc(n, sizeof *p), *g = malloc(n * sizeof *g);
    for (size_t i = 0; i < n; i++) g[i] = 0.001f * (float)(i % 7);
    const char *kinds[] = {"sgd", "adagrad", "rmsprop", "adam", "adamw", "lion", "adamax", "adadelta", "rprop", "nadam",
                           "radam", "asgd", "adafactor",
                           /* compact state: bfloat16, then int8 */
                           "adam", "sgd", "adamw", "nadam"};
    enum { KINDS = sizeof kinds / sizeof *kinds };
    gdopt_optimizer *o[KINDS];
    gdopt_set_num_threads(2);
    for (int k = 0; k < KINDS; k++) {
        gdopt_optimizer_create(kinds[k], &o[k]);
        gdopt_optimizer_set(o[k], "max_grad_norm", 1);
        gdopt_optimizer_set(o[k], "reject_nonfinite", 1);
        if (k == 0 || k == 2) gdopt_optimizer_set(o[k], "momentum", 0.9);
        if (k == 12) gdopt_optimizer_set_shape(o[k], 0, 600, n / 600); /* factored */
        if (k == 14) gdopt_optimizer_set(o[k], "momentum", 0.9);
        if (k == 15) gdopt_optimizer_set(o[k], "amsgrad", 1);
        if (k >= 13) gdopt_optimizer_set(o[k], "state_format", k == 13 ? GDOPT_STATE_BFLOAT16 : GDOPT_STATE_INT8);
    }
    /* (The compact kernel, gdopt_adam_update_compact_*, allocates its working memory per call.) */
    double q[8] = {0}, h[8] = {1, 2, 3, 4, 5, 6, 7, 8}, a[8] = {0}, b[8] = {0}, c[8] = {0};
    double product = 1, eta = 1e-2, mu = 1;
    int failures = 0;
    gdopt_tape *tape;
    gdopt_tape_create(GDOPT_F32, &tape);
    static float x[16 * 8], w[8 * 4], gw[8 * 4];
    for (int i = 0; i < 16 * 8; i++) x[i] = (float)(i % 5) * 0.1f;
    int64_t labels[16] = {0};
    const size_t xs[2] = {16, 8}, ws[2] = {8, 4};
    for (int s = 1; s <= steps; s++) {
        gdopt_node xn, wn, scores, activated, loss;
        failures += gdopt_tape_clear(tape) != GDOPT_OK;
        failures += gdopt_tape_constant_f32(tape, x, 2, xs, &xn) != GDOPT_OK;
        failures += gdopt_tape_variable_f32(tape, w, 2, ws, &wn) != GDOPT_OK;
        failures += gdopt_tape_binary(tape, GDOPT_MATMUL, xn, wn, &scores) != GDOPT_OK;
        failures += gdopt_tape_unary(tape, GDOPT_TANH, scores, &activated) != GDOPT_OK;
        failures += gdopt_tape_loss(tape, GDOPT_SOFTMAX_CROSS_ENTROPY, activated, labels, 16, &loss) != GDOPT_OK;
        failures += gdopt_tape_backward(tape, loss) != GDOPT_OK;
        failures += gdopt_tape_grad_f32(tape, wn, gw, 8 * 4) != GDOPT_OK;
        for (int k = 0; k < KINDS; k++) failures += gdopt_optimizer_step_f32(o[k], 0, p, g, n) != GDOPT_OK;
        failures += gdopt_sgd_update_f64(q, h, a, 8, (uint64_t)s, 1e-3, 0.9, 0, 0, 1, 0) != GDOPT_OK;
        failures += gdopt_adagrad_update_f64(q, h, a, 8, (uint64_t)s, 1e-3, 0, 0, 1e-10, 0) != GDOPT_OK;
        failures += gdopt_rmsprop_update_f64(q, h, a, b, c, 8, 1e-3, 0.99, 1e-8, 0, 0.9, 1, 0) != GDOPT_OK;
        failures += gdopt_adam_update_f64(q, h, a, b, c, 8, (uint64_t)s, 1e-3, 0.9, 0.999, 1e-8, 0.1,
                                          GDOPT_ADAM_AMSGRAD | GDOPT_ADAM_DECOUPLED) != GDOPT_OK;
        failures += gdopt_lion_update_f64(q, h, a, 8, 1e-3, 0.9, 0.99, 0.1, 0) != GDOPT_OK;
        failures += gdopt_adamax_update_f64(q, h, a, b, 8, (uint64_t)s, 2e-3, 0.9, 0.999, 1e-8, 0.1, 0) != GDOPT_OK;
        failures += gdopt_adadelta_update_f64(q, h, a, b, 8, 1, 0.9, 1e-6, 0.1, 0) != GDOPT_OK;
        failures += gdopt_rprop_update_f64(q, h, a, b, 8, 0.5, 1.2, 1e-6, 50, 0) != GDOPT_OK;
        failures += gdopt_nadam_update_f64(q, h, a, b, &product, 8, (uint64_t)s, 2e-3, 0.9, 0.999, 1e-8, 0.1, 4e-3, 1,
                                           0) != GDOPT_OK;
        failures += gdopt_radam_update_f64(q, h, a, b, 8, (uint64_t)s, 1e-3, 0.9, 0.999, 1e-8, 0.1, 0, 0) != GDOPT_OK;
        failures += gdopt_asgd_update_f64(q, h, a, &eta, &mu, 8, (uint64_t)s, 1e-2, 1e-4, 0.75, 5, 0.1, 0) != GDOPT_OK;
        failures += gdopt_adafactor_update_f64(q, h, NULL, NULL, c, 8, 0, 0, (uint64_t)s, 1e-2, -0.8, 0, 1e-3, 1, 0.1,
                                               0) != GDOPT_OK;
    }
    for (int k = 0; k < KINDS; k++) gdopt_optimizer_destroy(o[k]);
    gdopt_tape_destroy(tape);
    free(p);
    free(g);
    printf("%d steps, %d failures\n", steps, failures);
    return failures != 0;
}

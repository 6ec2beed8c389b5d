/* Writes the committed seed corpus: valid checkpoints of every kind (float32 and float64
 * slots, with and without options set), tape programs that record a small network, and
 * solver checkpoints of every method mid-run.
 * Run it again (`make fuzz-seeds`) when the checkpoint format changes. */
#include <stdio.h>
#include <stdlib.h>
#include "gdopt.h"

static void write_file(const char *dir, const char *name, const void *data, size_t len) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

static void checkpoint_seeds(const char *dir) {
    static const char *const kinds[] = {"sgd",      "adagrad", "rmsprop", "adam",  "adamw", "lion",     "adamax",
                                        "adadelta", "rprop",   "nadam",   "radam", "asgd",  "adafactor"};
    static const char *const options[] = {"nesterov",
                                          "lr_decay",
                                          "centered",
                                          "amsgrad",
                                          "maximize",
                                          "maximize",
                                          "maximize",
                                          "maximize",
                                          "maximize",
                                          "decoupled_weight_decay",
                                          "decoupled_weight_decay",
                                          "t0",
                                          "maximize"};
    for (int k = 0; k < 13; k++)
        for (int variant = 0; variant < 2; variant++) {
            gdopt_optimizer *o;
            if (gdopt_optimizer_create(kinds[k], &o) != GDOPT_OK) exit(1);
            if (variant == 1) {
                /* sgd and rmsprop have momentum; every kind has its option (lr_decay is a rate). */
                if ((k == 0 || k == 2) && gdopt_optimizer_set(o, "momentum", 0.9) != GDOPT_OK) exit(1);
                if (gdopt_optimizer_set(o, options[k], k == 1 ? 0.01 : 1) != GDOPT_OK) exit(1);
                if (k == 12 && gdopt_optimizer_set_shape(o, 0, 1, 3) != GDOPT_OK) exit(1); /* factored */
            }
            float p32[3] = {1, 2, 3}, g32[3] = {0.5f, -1, 2};
            double p64[2] = {-1, 4}, g64[2] = {0.25, 3};
            gdopt_optimizer_step_f32(o, 0, p32, g32, 3);
            if (variant == 1) gdopt_optimizer_step_f64(o, 1, p64, g64, 2);
            unsigned char buf[1024];
            size_t len;
            if (gdopt_optimizer_serialize(o, buf, sizeof buf, &len) != GDOPT_OK) exit(1);
            char name[64];
            snprintf(name, sizeof name, "%s-%d.ckpt", kinds[k], variant);
            write_file(dir, name, buf, len);
            gdopt_optimizer_destroy(o);
        }
    /* Compact state: bfloat16 at any n, int8 from 4096 elements (sgd's momentum: the signed map). */
    static const char *const compact_kinds[] = {"adam", "adam", "sgd"};
    static const int formats[] = {GDOPT_STATE_BFLOAT16, GDOPT_STATE_INT8, GDOPT_STATE_INT8};
    for (int c = 0; c < 3; c++) {
        gdopt_optimizer *o;
        if (gdopt_optimizer_create(compact_kinds[c], &o) != GDOPT_OK) exit(1);
        if (c == 2 && gdopt_optimizer_set(o, "momentum", 0.9) != GDOPT_OK) exit(1);
        if (gdopt_optimizer_set(o, "state_format", formats[c]) != GDOPT_OK) exit(1);
        static float p[4100], g[4100];
        for (int i = 0; i < 4100; i++) p[i] = g[i] = (float)(i % 17) - 8;
        size_t n = formats[c] == GDOPT_STATE_INT8 ? 4100 : 5;
        for (int step = 0; step < 2; step++) gdopt_optimizer_step_f32(o, 0, p, g, n);
        static unsigned char buf[16384];
        size_t len;
        if (gdopt_optimizer_serialize(o, buf, sizeof buf, &len) != GDOPT_OK) exit(1);
        char name[64];
        snprintf(name, sizeof name, "%s-%s.ckpt", compact_kinds[c], formats[c] == GDOPT_STATE_INT8 ? "int8" : "bf16");
        write_file(dir, name, buf, len);
        gdopt_optimizer_destroy(o);
    }
}

static double quadratic(size_t n, const double *x, double *g, void *data) {
    (void)data;
    double f = 0;
    for (size_t i = 0; i < n; i++) {
        f += (double)(i + 1) * (x[i] - 0.5) * (x[i] - 0.5);
        if (g) g[i] = 2 * (double)(i + 1) * (x[i] - 0.5);
    }
    return f;
}

/* Solver checkpoints for fuzz_solver.c: every method mid-run, lbfgs also with bounds (L-BFGS-B)
 * and with finite differences, newton with its differenced Hessian part-way. */
static void solver_seeds(const char *dir) {
    static const char *const methods[] = {"gd",    "gd_linesearch", "momentum",      "adam",
                                          "lbfgs", "newton",        "random_search", "random_local_search"};
    const double lower[3] = {-1, -1, 0.6}, upper[3] = {1, 0.2, 2};
    for (int m = 0; m < 8; m++)
        for (int variant = 0; variant < (m == 4 ? 3 : 1); variant++) {
            gdopt_solver *s;
            if (gdopt_solver_create(methods[m], &s) != GDOPT_OK) exit(1);
            if (variant == 1 && gdopt_solver_set_bounds(s, lower, upper, 3) != GDOPT_OK) exit(1);
            if (variant == 2 && gdopt_solver_set(s, "finite_differences", 1) != GDOPT_OK) exit(1);
            double x[3] = {-0.8, 0.9, 1.5}, g[3];
            gdopt_task task;
            if (gdopt_solver_begin(s, x, 3) != GDOPT_OK) exit(1);
            for (int k = 0; k < 7 && gdopt_solver_ask(s, x, 3, &task) == GDOPT_OK && task != GDOPT_TASK_DONE; k++)
                if (task == GDOPT_TASK_EVALUATE && gdopt_solver_tell(s, quadratic(3, x, g, NULL), g, 3) != GDOPT_OK)
                    exit(1);
            unsigned char buf[4096];
            size_t len;
            if (gdopt_solver_serialize(s, buf, sizeof buf, &len) != GDOPT_OK) exit(1);
            char name[64];
            snprintf(name, sizeof name, "solver-%s-%d.ckpt", methods[m], variant);
            write_file(dir, name, buf, len);
            gdopt_solver_destroy(s);
        }
}

/* Programs for fuzz_tape.c: opcode bytes as its switch reads them. */
static void tape_seeds(const char *dir) {
    /* f32: X[2x3] const, W[3x4] var, X@W, tanh, softmax CE with labels {1, 3}, backward, read W. */
    const unsigned char mlp[] = {0, 1,  2,  2,  3, 1, 2, 3, 4, 5, 6, 0, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8,
                                 9, 10, 11, 12, 3, 5, 0, 1, 2, 4, 2, 4, 1, 2, 2, 2, 4, 5, 4, 6, 1, 1};
    /* f64: broadcasting [2x1] + [3], exp, mean, backward, read both. */
    const unsigned char broadcast[] = {1, 0, 2, 2, 1, 4,  250, 0, 1, 3, 16, 32, 48, 3, 1, 0,
                                       1, 2, 2, 2, 2, 11, 3,   5, 4, 6, 0,  1,  6,  1, 1};
    write_file(dir, "mlp.bin", mlp, sizeof mlp);
    write_file(dir, "broadcast.bin", broadcast, sizeof broadcast);
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s CHECKPOINT_DIR TAPE_DIR SOLVER_DIR\n", argv[0]);
        return 2;
    }
    checkpoint_seeds(argv[1]);
    tape_seeds(argv[2]);
    solver_seeds(argv[3]);
    return 0;
}

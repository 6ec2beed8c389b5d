/* libFuzzer target: arbitrary bytes into gdopt_solver_deserialize. The contract checked on
 * each input:
 *  - a rejected buffer leaves the solver byte-identical (its serialized form unchanged);
 *  - an accepted buffer is exactly what the solver serializes back, and the restored run
 *    can be driven with ask/tell (a bounded number of calls) with documented statuses only.
 * Each input is tried as fuzz_checkpoint says, on the method it names (the u32 at offset
 * 12) and on another. */
#include <math.h>

#include "fuzz_bytes.h"

static const char *const methods[] = {"gd",    "gd_linesearch", "momentum",      "adam",
                                      "lbfgs", "newton",        "random_search", "random_local_search"};

FUZZ_SERIALIZED(gdopt_solver, gdopt_solver_serialize)

/* A run to lose: a few evaluations of a quadratic, stopped mid-way. */
static void start_run(gdopt_solver *s) {
    double x[2] = {1, -2}, g[2];
    gdopt_task task;
    FUZZ_REQUIRE(gdopt_solver_begin(s, x, 2) == GDOPT_OK);
    for (int k = 0; k < 4 && gdopt_solver_ask(s, x, 2, &task) == GDOPT_OK && task != GDOPT_TASK_DONE; k++)
        if (task == GDOPT_TASK_EVALUATE) {
            g[0] = 2 * x[0], g[1] = 4 * x[1];
            FUZZ_REQUIRE(gdopt_solver_tell(s, x[0] * x[0] + 2 * x[1] * x[1], g, 2) == GDOPT_OK);
        }
}

/* Drives a restored run for at most 30 calls on Σ xᵢ², when n ≤ 64: a larger n adds no
 * branch, and Newton's O(n³) iterations on mutated checkpoints of n ≈ 500 had slowed the
 * target to a third of its rate. */
static void drive(gdopt_solver *s) {
    size_t n = 0;
    FUZZ_REQUIRE(gdopt_solver_dimension(s, &n) == GDOPT_OK);
    if (n == 0 || n > 64) return;
    double x[64] = {0}, g[64];
    gdopt_task task = 0;
    for (int k = 0; k < 30; k++) {
        gdopt_status status = fuzz_checked(gdopt_solver_ask(s, x, n, &task));
        if (status != GDOPT_OK || task == GDOPT_TASK_DONE) break;
        FUZZ_REQUIRE(task == GDOPT_TASK_EVALUATE || task == GDOPT_TASK_ITERATE);
        if (task != GDOPT_TASK_EVALUATE) continue;
        double f = 0;
        for (size_t i = 0; i < n; i++) f += x[i] * x[i], g[i] = 2 * x[i];
        if (fuzz_checked(gdopt_solver_tell(s, f, g, n)) != GDOPT_OK) break;
    }
    gdopt_result r;
    fuzz_checked(gdopt_solver_result(s, &r));
}

/* One solver per method for the whole run, with a run started (a state to lose) and that
 * state's bytes: each check starts from it. */
typedef struct {
    gdopt_solver *s;
    uint8_t *baseline;
    size_t len;
} fixture;

static fixture *fixture_for(const char *method) {
    static fixture fixtures[8];
    size_t k = 0;
    while (strcmp(methods[k], method) != 0) k++;
    fixture *f = &fixtures[k];
    if (!f->s) {
        FUZZ_REQUIRE(gdopt_solver_create(method, &f->s) == GDOPT_OK);
        start_run(f->s);
        const uint8_t *state = serialized(f->s, &f->len);
        f->baseline = malloc(f->len);
        FUZZ_REQUIRE(f->baseline != NULL);
        memcpy(f->baseline, state, f->len);
    }
    return f;
}

static void check_deserialize(const char *method, const uint8_t *data, size_t size) {
    fixture *f = fixture_for(method);
    size_t after_len;
    gdopt_status status = fuzz_checked(gdopt_solver_deserialize(f->s, data, size));
    const uint8_t *after = serialized(f->s, &after_len);
    if (status == GDOPT_OK) {
        FUZZ_REQUIRE(after_len == size && memcmp(after, data, size) == 0);
        drive(f->s);
        FUZZ_REQUIRE(gdopt_solver_deserialize(f->s, f->baseline, f->len) == GDOPT_OK);
    } else {
        FUZZ_REQUIRE(status == GDOPT_ERR_FORMAT || status == GDOPT_ERR_MEMORY);
        FUZZ_REQUIRE(after_len == f->len && memcmp(after, f->baseline, f->len) == 0);
    }
}

/* The option memory (index 7 of 15, at byte 20 + 7·8) is capped at 8 pairs: more adds no
 * branch, only 2·memory vectors and O(memory²) Gram matrices on every restore (memory =
 * 5000 is 800 MB) and L-BFGS-B's O(memory³) reduced system on every driven iteration (at
 * 64, then 16, these were a quarter of the target's time). */
enum { MEMORY_OFFSET = 20 + 7 * 8 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    size_t named = size >= 16 && data[12] < 8 ? data[12] : 4;
    uint8_t *input = malloc(size ? size : 1);
    FUZZ_REQUIRE(input != NULL);
    memcpy(input, data, size);
    if (size >= MEMORY_OFFSET + 8) {
        double memory;
        memcpy(&memory, input + MEMORY_OFFSET, 8);
        if (memory > 8) memory = 8;
        memcpy(input + MEMORY_OFFSET, &memory, 8);
    }
    fuzz_checkpoint(input, size, methods, 8, named, check_deserialize);
    free(input);
    return 0;
}

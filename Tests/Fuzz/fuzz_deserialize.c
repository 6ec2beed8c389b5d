/* libFuzzer target: arbitrary bytes into gdopt_optimizer_deserialize. The contract
 * checked on each input:
 *  - a rejected buffer leaves the optimizer byte-identical (its serialized form unchanged);
 *  - an accepted buffer is exactly what the optimizer serializes back (formats 1 and 2, which
 *    still load, come back as format 3, and that loads to the same bytes again), and the
 *    restored optimizer can step every slot it now holds.
 * Each input is tried as fuzz_checkpoint says: with its CRC-32 recomputed on the kind it
 * names, and as it is on another kind. */
#include "fuzz_bytes.h"

static const char *const kinds[] = {"sgd",      "adagrad", "rmsprop", "adam",  "adamw", "lion",     "adamax",
                                    "adadelta", "rprop",   "nadam",   "radam", "asgd",  "adafactor"};

FUZZ_SERIALIZED(gdopt_optimizer, gdopt_optimizer_serialize)

/* Steps every slot the checkpoint restored, finding each one's dtype and n by probing
 * with the check call (a small checkpoint holds slots 0..3 of at most 64 elements). */
static void step_restored_slots(gdopt_optimizer *o) {
    double params64[64], grads64[64];
    float params32[64], grads32[64];
    for (size_t i = 0; i < 64; i++) params64[i] = params32[i] = 0.5f, grads64[i] = grads32[i] = 0.25f;
    for (size_t slot = 0; slot < 4; slot++)
        for (size_t n = 1; n <= 64; n++) {
            if (gdopt_optimizer_check_f64(o, slot, params64, grads64, n) == GDOPT_OK) {
                fuzz_checked(gdopt_optimizer_step_f64(o, slot, params64, grads64, n));
                break;
            }
            if (gdopt_optimizer_check_f32(o, slot, params32, grads32, n) == GDOPT_OK) {
                fuzz_checked(gdopt_optimizer_step_f32(o, slot, params32, grads32, n));
                break;
            }
        }
}

/* One optimizer per kind for the whole run, with its baseline state (one float32 slot
 * after a step, some state to lose) and that state's bytes: each check starts from it. */
typedef struct {
    gdopt_optimizer *o;
    uint8_t *baseline;
    size_t len;
} fixture;

static fixture *fixture_for(const char *kind) {
    static fixture fixtures[sizeof kinds / sizeof *kinds];
    size_t k = 0;
    while (strcmp(kinds[k], kind) != 0) k++;
    fixture *f = &fixtures[k];
    if (!f->o) {
        FUZZ_REQUIRE(gdopt_optimizer_create(kind, &f->o) == GDOPT_OK);
        float p[3] = {1, 2, 3}, g[3] = {0.5f, -0.5f, 1};
        FUZZ_REQUIRE(gdopt_optimizer_step_f32(f->o, 0, p, g, 3) == GDOPT_OK);
        const uint8_t *state = serialized(f->o, &f->len);
        f->baseline = malloc(f->len);
        FUZZ_REQUIRE(f->baseline != NULL);
        memcpy(f->baseline, state, f->len);
    }
    return f;
}

static void check_deserialize(const char *kind, const uint8_t *data, size_t size) {
    fixture *f = fixture_for(kind);
    size_t after_len;
    gdopt_status s = fuzz_checked(gdopt_optimizer_deserialize(f->o, data, size));
    const uint8_t *after = serialized(f->o, &after_len);
    if (s == GDOPT_OK) {
        if (size >= 12 && data[8] < 3 && !data[9] && !data[10] && !data[11]) {
            /* Formats 1 and 2 still load and are written back as format 3, which loads to the same state. */
            uint8_t *again = malloc(after_len);
            FUZZ_REQUIRE(again != NULL);
            memcpy(again, after, after_len);
            size_t again_len = after_len;
            FUZZ_REQUIRE(again[8] == 3 && gdopt_optimizer_deserialize(f->o, again, again_len) == GDOPT_OK);
            after = serialized(f->o, &after_len);
            FUZZ_REQUIRE(after_len == again_len && memcmp(after, again, again_len) == 0);
            free(again);
        } else {
            FUZZ_REQUIRE(after_len == size && memcmp(after, data, size) == 0);
        }
        step_restored_slots(f->o);
        FUZZ_REQUIRE(gdopt_optimizer_deserialize(f->o, f->baseline, f->len) == GDOPT_OK);
    } else {
        FUZZ_REQUIRE(s == GDOPT_ERR_FORMAT || s == GDOPT_ERR_SIZE || s == GDOPT_ERR_MEMORY);
        FUZZ_REQUIRE(after_len == f->len && memcmp(after, f->baseline, f->len) == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* The kind field (offset 12), when it names one, and the kind after it. */
    size_t named = size >= 16 && data[12] >= 1 && data[12] <= 13 ? data[12] - 1u : 3;
    fuzz_checkpoint(data, size, kinds, sizeof kinds / sizeof *kinds, named, check_deserialize);
    return 0;
}

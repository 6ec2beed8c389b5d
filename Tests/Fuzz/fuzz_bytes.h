/* A reader over the fuzzer's input: each call takes the next byte, or 0 once the input
 * is used up, so every input is a complete program. */
#ifndef GDOPT_FUZZ_BYTES_H
#define GDOPT_FUZZ_BYTES_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gdopt.h"

typedef struct {
    const uint8_t *data;
    size_t size, at;
} fuzz_bytes;

static inline uint8_t fuzz_byte(fuzz_bytes *in) { return in->at < in->size ? in->data[in->at++] : 0; }
static inline int fuzz_done(const fuzz_bytes *in) { return in->at >= in->size; }

/* A broken contract is a crash, so libFuzzer records the input that caused it. */
#define FUZZ_REQUIRE(cond)                                                                     \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "%s:%d: %s failed (last error: %s)\n", __FILE__, __LINE__, #cond, \
                    gdopt_last_error());                                                       \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

/* Every failure is one of the documented codes and comes with a message. */
static inline gdopt_status fuzz_checked(gdopt_status s) {
    FUZZ_REQUIRE(s >= GDOPT_OK && s <= GDOPT_ERR_STATE);
    FUZZ_REQUIRE(s == GDOPT_OK || gdopt_last_error()[0] != '\0');
    return s;
}
#endif

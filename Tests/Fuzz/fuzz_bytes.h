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

static inline uint8_t fuzz_byte(fuzz_bytes *in) {
    return in->at < in->size ? in->data[in->at++] : 0;
}
static inline int fuzz_done(const fuzz_bytes *in) {
    return in->at >= in->size;
}

/* A broken contract is a crash, so libFuzzer records the input that caused it. */
#define FUZZ_REQUIRE(cond)                                                                                             \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            fprintf(stderr, "%s:%d: %s failed (last error: %s)\n", __FILE__, __LINE__, #cond, gdopt_last_error());     \
            abort();                                                                                                   \
        }                                                                                                              \
    } while (0)

/* Every failure is one of the documented codes and comes with a message. */
static inline gdopt_status fuzz_checked(gdopt_status s) {
    FUZZ_REQUIRE(s >= GDOPT_OK && s <= GDOPT_ERR_STATE);
    FUZZ_REQUIRE(s == GDOPT_OK || gdopt_last_error()[0] != '\0');
    return s;
}
/* zlib's CRC-32 with a byte table built here: an implementation independent of the
 * library's. Not instrumented for coverage: its loop would be most of each run's cost and
 * tells the fuzzer nothing (and not inlined, which would instrument it as its caller). */
__attribute__((no_sanitize("coverage"), noinline)) static uint32_t fuzz_crc32(const uint8_t *data, size_t len) {
    static uint32_t table[256];
    if (table[1] == 0)
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int bit = 0; bit < 8; bit++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
            table[i] = c;
        }
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < len; i++) crc = table[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

/* Defines serialized(handle, &len): the handle's serialized form, in a buffer kept for the
 * whole run (valid until the next call), which saves a sizing pass per check. */
#define FUZZ_SERIALIZED(handle_type, serialize)                                                                        \
    static const uint8_t *serialized(const handle_type *handle, size_t *len) {                                         \
        static uint8_t *buf;                                                                                           \
        static size_t cap;                                                                                             \
        gdopt_status status = serialize(handle, buf, cap, len);                                                        \
        if (status == GDOPT_ERR_SIZE || cap == 0) {                                                                    \
            free(buf);                                                                                                 \
            cap = *len > 4096 ? *len : 4096;                                                                           \
            buf = malloc(cap);                                                                                         \
            FUZZ_REQUIRE(buf != NULL);                                                                                 \
            status = serialize(handle, buf, cap, len);                                                                 \
        }                                                                                                              \
        FUZZ_REQUIRE(status == GDOPT_OK);                                                                              \
        return buf;                                                                                                    \
    }

/* Runs `check` twice: on the input with its trailing CRC-32 recomputed (so that mutations
 * reach the checks behind the checksum) on the handle kind the input names, and on the
 * input as it is on another kind, chosen by its length (so that checkpoints also meet
 * handles of the wrong kind). Two checks, not four: each costs a handle and its state,
 * and the fuzzing must reach 10^7 inputs in 10 minutes. */
static inline void fuzz_checkpoint(const uint8_t *data, size_t size, const char *const *kinds, size_t kind_count,
                                   size_t named, void (*check)(const char *, const uint8_t *, size_t)) {
    uint8_t *fixed = malloc(size ? size : 1);
    FUZZ_REQUIRE(fixed != NULL);
    memcpy(fixed, data, size);
    if (size >= 4) {
        uint32_t crc = fuzz_crc32(fixed, size - 4);
        for (int i = 0; i < 4; i++) fixed[size - 4 + i] = (uint8_t)(crc >> (8 * i));
    }
    check(kinds[named % kind_count], fixed, size);
    check(kinds[(named + 1 + size % (kind_count - 1)) % kind_count], data, size);
    free(fixed);
}
#endif

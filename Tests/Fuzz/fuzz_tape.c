/* libFuzzer target: the input is a program of tape calls with arbitrary shapes, ops, node
 * ids, labels and sizes, including invalid ones. The contract checked on each call: it
 * returns a documented status with a message, and a node it records has the shape that
 * gdopt_tape_shape reports and a value that can be read back. */
#include "fuzz_bytes.h"

enum { MAX_NODES = 64, MAX_ELEMENTS = 1 << 16 };

typedef struct {
    gdopt_tape *tape;
    int dtype;
    gdopt_node nodes[MAX_NODES];
    size_t count;
} program;

/* A node recorded so far, or now and then an id that was never issued. */
static gdopt_node pick_node(program *p, fuzz_bytes *in) {
    uint8_t b = fuzz_byte(in);
    if (p->count == 0 || b == 255) return (gdopt_node)b * 7919 - 3;
    return p->nodes[b % p->count];
}

static void remember(program *p, gdopt_status s, gdopt_node node) {
    if (s == GDOPT_OK && p->count < MAX_NODES) p->nodes[p->count++] = node;
}

/* Element count of a shape, or 0 when it overflows or exceeds MAX_ELEMENTS. */
static size_t element_count(size_t rank, const size_t *shape) {
    size_t count = 1;
    for (size_t i = 0; i < rank; i++) {
        if (shape[i] != 0 && count > MAX_ELEMENTS / shape[i]) return 0;
        count *= shape[i];
    }
    return count;
}

/* Reads the node's value (and gradient) with the right n, and with a wrong one. */
static void read_back(program *p, gdopt_node x, fuzz_bytes *in) {
    size_t rank, shape[8];
    if (fuzz_checked(gdopt_tape_shape(p->tape, x, &rank, shape)) != GDOPT_OK) return;
    FUZZ_REQUIRE(rank <= 8);
    size_t n = element_count(rank, shape);
    FUZZ_REQUIRE(n > 0);
    size_t asked = n + (fuzz_byte(in) % 3) - 1; /* n - 1, n or n + 1 */
    double *out = malloc((n + 1) * sizeof(double));
    FUZZ_REQUIRE(out != NULL);
    gdopt_status value, grad;
    if (p->dtype == GDOPT_F32) {
        value = gdopt_tape_value_f32(p->tape, x, (float *)out, asked);
        grad = gdopt_tape_grad_f32(p->tape, x, (float *)out, asked);
    } else {
        value = gdopt_tape_value_f64(p->tape, x, out, asked);
        grad = gdopt_tape_grad_f64(p->tape, x, out, asked);
    }
    FUZZ_REQUIRE((fuzz_checked(value) == GDOPT_OK) == (asked == n));
    FUZZ_REQUIRE(fuzz_checked(grad) != GDOPT_OK || asked == n);
    free(out);
}

/* A leaf with up to 9 dimensions of 0..4, or a huge one, filled with input bytes. */
static void record_leaf(program *p, fuzz_bytes *in, int variable) {
    size_t rank = fuzz_byte(in) % 10, shape[9];
    for (size_t i = 0; i < rank; i++) {
        uint8_t b = fuzz_byte(in);
        shape[i] = b == 255 ? (size_t)1 << 62 : b % 5;
    }
    size_t n = element_count(rank, shape);
    double *data = calloc(n ? n : 1, sizeof(double));
    FUZZ_REQUIRE(data != NULL);
    for (size_t i = 0; i < n; i++) {
        int8_t b = (int8_t)fuzz_byte(in);
        data[i] = b == -128 ? 1e308 : b / 16.0;
        if (p->dtype == GDOPT_F32) ((float *)data)[i] = (float)data[i];
    }
    gdopt_node out = 0;
    gdopt_status s;
    /* Shapes beyond MAX_ELEMENTS are rejected by size, before data is read. */
    if (p->dtype == GDOPT_F32)
        s = (variable ? gdopt_tape_variable_f32 : gdopt_tape_constant_f32)(p->tape, (float *)data, rank, shape, &out);
    else
        s = (variable ? gdopt_tape_variable_f64 : gdopt_tape_constant_f64)(p->tape, data, rank, shape, &out);
    FUZZ_REQUIRE(fuzz_checked(s) != GDOPT_OK || (rank <= 8 && n > 0));
    remember(p, s, out);
    free(data);
}

static void record_loss(program *p, fuzz_bytes *in) {
    int kind = fuzz_byte(in) % 4;
    gdopt_node scores = pick_node(p, in);
    size_t n = fuzz_byte(in) % 6;
    int64_t labels[5];
    for (size_t i = 0; i < n; i++) labels[i] = (int64_t)(fuzz_byte(in) % 7) - 1;
    gdopt_node out = 0;
    gdopt_status s = fuzz_checked(gdopt_tape_loss(p->tape, kind, scores, n ? labels : NULL, n, &out));
    remember(p, s, out);
}

/* A replay with up to 4 feeds (a node, its size or one off, data or NULL, a gradient buffer
 * or NULL) and up to 2 label sets: a refused replay writes no gradient buffer and no value. */
static void replay(program *p, fuzz_bytes *in) {
    enum { FEEDS = 4 };
    gdopt_feed_f64 feeds[FEEDS];
    gdopt_labels labels[2];
    int64_t label_values[2][6];
    double *buffers[2 * FEEDS] = {NULL};
    size_t n_feeds = fuzz_byte(in) % (FEEDS + 1), n_labels = fuzz_byte(in) % 3, sizes[FEEDS];
    for (size_t i = 0; i < n_feeds; i++) {
        gdopt_node node = pick_node(p, in);
        size_t rank, shape[8], n = 1;
        if (gdopt_tape_shape(p->tape, node, &rank, shape) == GDOPT_OK) n = element_count(rank, shape);
        sizes[i] = n + (fuzz_byte(in) % 3) - 1 + (n == 0); /* n - 1, n or n + 1 */
        for (int k = 0; k < 2; k++) {
            buffers[2 * i + k] = malloc((sizes[i] + 1) * sizeof(double));
            FUZZ_REQUIRE(buffers[2 * i + k] != NULL);
            for (size_t j = 0; j <= sizes[i]; j++) buffers[2 * i + k][j] = k ? -7.0 : (int8_t)fuzz_byte(in) / 8.0;
        }
        uint8_t use = fuzz_byte(in);
        feeds[i] =
            (gdopt_feed_f64){node, use & 1 ? buffers[2 * i] : NULL, use & 2 ? buffers[2 * i + 1] : NULL, sizes[i]};
    }
    for (size_t j = 0; j < n_labels; j++) {
        size_t n = fuzz_byte(in) % 7;
        for (size_t k = 0; k < n; k++) label_values[j][k] = (int64_t)(fuzz_byte(in) % 7) - 1;
        labels[j] = (gdopt_labels){pick_node(p, in), label_values[j], n};
    }
    double value = -7.0;
    gdopt_node root = pick_node(p, in);
    gdopt_status s;
    if (p->dtype == GDOPT_F32) { /* the same layout with float pointers */
        gdopt_feed_f32 feeds32[FEEDS];
        for (size_t i = 0; i < n_feeds; i++)
            feeds32[i] =
                (gdopt_feed_f32){feeds[i].node, (const float *)feeds[i].data, (float *)feeds[i].grad, feeds[i].n};
        float value32 = -7.0f;
        s = gdopt_tape_replay_f32(p->tape, root, n_feeds ? feeds32 : NULL, n_feeds, n_labels ? labels : NULL, n_labels,
                                  &value32);
        value = value32;
    } else {
        s = gdopt_tape_replay_f64(p->tape, root, n_feeds ? feeds : NULL, n_feeds, n_labels ? labels : NULL, n_labels,
                                  &value);
    }
    if (fuzz_checked(s) != GDOPT_OK) {
        FUZZ_REQUIRE(value == -7.0);
        for (size_t i = 0; i < n_feeds; i++)
            for (size_t j = 0; j <= sizes[i]; j++) FUZZ_REQUIRE(buffers[2 * i + 1][j] == -7.0); /* bytes untouched */
    }
    for (size_t i = 0; i < 2 * FEEDS; i++) free(buffers[i]);
}

/* One tape per dtype for the whole run, cleared before each program, and a node recorded
 * on each before the first: a node of the other tape, or from an earlier program, must be
 * refused. */
static gdopt_tape *tapes[2];
static gdopt_node first_nodes[2];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_bytes in = {data, size, 0};
    program p = {.dtype = 1 + fuzz_byte(&in) % 2};
    for (int d = 0; d < 2 && !tapes[1]; d++) {
        static const size_t one[1] = {1};
        static const float value32[1] = {1};
        static const double value64[1] = {1};
        FUZZ_REQUIRE(gdopt_tape_create(1 + d, &tapes[d]) == GDOPT_OK);
        FUZZ_REQUIRE((d ? gdopt_tape_constant_f64(tapes[d], value64, 1, one, &first_nodes[d])
                        : gdopt_tape_constant_f32(tapes[d], value32, 1, one, &first_nodes[d])) == GDOPT_OK);
    }
    p.tape = tapes[p.dtype - 1];
    FUZZ_REQUIRE(gdopt_tape_clear(p.tape) == GDOPT_OK);
    gdopt_node out = 0;
    for (int d = 0; d < 2; d++)
        FUZZ_REQUIRE(gdopt_tape_unary(p.tape, GDOPT_NEG, first_nodes[d], &out) == GDOPT_ERR_INVALID);
    for (int calls = 0; calls < 32 && !fuzz_done(&in); calls++) { /* short programs: more of them */
        switch (fuzz_byte(&in) % 10) {
        case 0: record_leaf(&p, &in, 1); break;
        case 1: record_leaf(&p, &in, 0); break;
        case 2: { /* unary ops 1..12, and 0 and 13, which do not exist */
            int op = fuzz_byte(&in) % 14;
            gdopt_node x = pick_node(&p, &in);
            remember(&p, fuzz_checked(gdopt_tape_unary(p.tape, op, x, &out)), out);
            break;
        }
        case 3: { /* binary ops 20..24, and 19 and 25 */
            int op = 19 + fuzz_byte(&in) % 7;
            gdopt_node a = pick_node(&p, &in), b = pick_node(&p, &in);
            remember(&p, fuzz_checked(gdopt_tape_binary(p.tape, op, a, b, &out)), out);
            break;
        }
        case 4: record_loss(&p, &in); break;
        case 5: fuzz_checked(gdopt_tape_backward(p.tape, pick_node(&p, &in))); break;
        case 6: read_back(&p, pick_node(&p, &in), &in); break;
        case 7: /* an empty tape keeps working, and old nodes are rejected */
            FUZZ_REQUIRE(gdopt_tape_clear(p.tape) == GDOPT_OK);
            if (p.count > 0) FUZZ_REQUIRE(gdopt_tape_unary(p.tape, GDOPT_NEG, p.nodes[0], &out) == GDOPT_ERR_INVALID);
            p.count = 0;
            break;
        case 8: fuzz_checked(gdopt_tape_create(p.dtype + 2, &(gdopt_tape *){NULL})); break;
        case 9: replay(&p, &in); break;
        }
    }
    return 0;
}

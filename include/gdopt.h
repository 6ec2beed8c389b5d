/*
 * gdopt.h — gradient-descent optimizers over caller-owned buffers (C99, usable from C++).
 *
 * This header is the manual. Conventions that hold for every function:
 *
 *  - Status: every function that can fail returns gdopt_status; GDOPT_OK is 0. On
 *    failure, gdopt_last_error() gives a message naming the function, the argument and
 *    the bad value, e.g. "gdopt_optimizer_step_f32: slot 0 was created with n=10, got n=12".
 *  - Atomic failure: when a call fails, the caller's buffers and the handle's state are
 *    exactly as they were before the call. No input crashes the process.
 *  - Ownership: buffers belong to the caller, are contiguous, in native byte order, and
 *    are only used during the call; the library copies what it keeps. Handles are
 *    created by gdopt_X_create and freed by gdopt_X_destroy (destroying NULL is a no-op).
 *  - Threads: different handles may be used from different threads at the same time;
 *    one handle must not be used by two threads at once. Functions without a handle are
 *    thread-safe. Large steps (n >= 32768 per thread) are split across an internal pool
 *    of worker threads (see gdopt_set_num_threads); results are bit-identical whatever
 *    the thread count.
 *  - n = 0 is GDOPT_ERR_SIZE. Hyperparameters must be finite and in torch's ranges
 *    (lr, eps, momentum, weight_decay, alpha, lr_decay, initial_accumulator_value,
 *    max_grad_norm >= 0; 0 <= beta1, beta2 < 1); booleans must be exactly 0 or 1.
 *  - float variants end in _f32, double variants in _f64.
 *  - Other languages: include/gdopt.hpp is a header-only C++17 layer over this header
 *    (RAII, exceptions, callables); the Fortran module gdopt (bindings/fortran, installed as
 *    libgdopt_fortran.so and gdopt.mod) wraps these calls under the same names.
 */
#ifndef GDOPT_H
#define GDOPT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GDOPT_VERSION_MAJOR 0
#define GDOPT_VERSION_MINOR 2
#define GDOPT_VERSION_PATCH 0
/* Bumped whenever a declaration in this header changes incompatibly. */
#define GDOPT_ABI_VERSION 1

/* ---- Status codes (the values are part of the ABI) ---------------------------------- */

typedef int32_t gdopt_status;

#define GDOPT_OK 0            /* success */
#define GDOPT_ERR_NULL 1      /* a pointer that is needed is NULL */
#define GDOPT_ERR_INVALID 2   /* bad value: unknown name, out-of-range or NaN hyperparameter, wrong dtype */
#define GDOPT_ERR_SIZE 3      /* sizes do not match, n = 0, or a size overflows */
#define GDOPT_ERR_NONFINITE 4 /* gradients hold NaN/Inf and the optimizer has reject_nonfinite = 1 */
#define GDOPT_ERR_FORMAT 5    /* state data is corrupted, truncated, or of another version or kind */
#define GDOPT_ERR_IO 6        /* a file could not be read or written */
#define GDOPT_ERR_MEMORY 7    /* an allocation failed */
#define GDOPT_ERR_CALLBACK 8  /* a user callback asked to stop, or returned NaN */
#define GDOPT_ERR_STATE 9     /* the call is not allowed in the current state (e.g. a destroyed handle) */

/* ---- Library ------------------------------------------------------------------------ */

/* "MAJOR.MINOR.PATCH" of the loaded library. Static storage; never fails. */
const char *gdopt_version(void);

/* GDOPT_ABI_VERSION of the loaded library: a program that dlopens libgdopt.so compares
 * it with the value in the header it was compiled against. Never fails. */
int gdopt_abi_version(void);

/* What the library runs on this machine, as one line of "topic: value" parts separated by
 * "; ": the BLAS behind the tape's matrix products and its kernels, the LAPACK, the vector
 * level of gdopt's own kernels and the CPU's. The library carries its loops (optimizer
 * kernels, the tape's element-wise ops) for the x86-64 baseline, x86-64-v3 (AVX2) and
 * x86-64-v4 (AVX-512) and uses the best the CPU runs; all three give the same bits.
 * GDOPT_SIMD=baseline|avx2|avx512, read once, lowers the level (never above the CPU's).
 * The products use Debian's OpenBLAS, or, when the CPU has AVX2 and OpenBLAS picked an
 * older core (OpenBLAS 0.3.21 falls back to Prescott kernels on Intel CPUs newer than it),
 * libxsmm's JIT kernels (linked in) and BLIS (Debian's libblis4, loaded when needed) for
 * large A·Bᵀ products. GDOPT_BLAS=openblas or =blis, read when the first product runs,
 * forces the choice; the library sets no environment variable. Results of the tape can
 * differ in the last bits between the two. Static storage; never fails. */
const char *gdopt_build_info(void);

/* The name of a status code, e.g. "GDOPT_ERR_SIZE"; "GDOPT_UNKNOWN_STATUS" for values
 * not listed above. Static storage; never fails. */
const char *gdopt_status_name(gdopt_status status);

/* The message of the last failed call on the calling thread ("" if none has failed).
 * Owned by the library; valid until the next gdopt call on this thread. */
const char *gdopt_last_error(void);

/* Sets how many threads large steps may use, the caller's included; k = 0 means one per
 * online CPU (the default). Results do not depend on k.
 * Errors: GDOPT_ERR_INVALID if k < 0. Thread-safe; takes effect from the next step. */
gdopt_status gdopt_set_num_threads(int k);

/* ---- Parameter tables ------------------------------------------------------------- */

/* What a program (or a binding) can list instead of copying: the names of the optimizer
 * kinds and solver methods, and each kind's parameters as set, get, the checks and the
 * checkpoints use them, in checkpoint order. min and max are inclusive (an open bound such
 * as beta < 1 is the largest double below 1; "no bound" is +-DBL_MAX). flags says the
 * value must also be integral. Every table and name is static: it lives as long as the
 * library and must not be freed. Errors: NULL, INVALID (an unknown kind or method). */
typedef struct {
    const char *name;
    double default_value, min, max;
    int32_t flags;
} gdopt_param_info;
#define GDOPT_PARAM_BOOL 1    /* the value is 0 or 1 */
#define GDOPT_PARAM_INTEGER 2 /* the value is a whole number */

gdopt_status gdopt_optimizer_kinds(const char *const **names, size_t *count);
gdopt_status gdopt_optimizer_params(const char *kind, const gdopt_param_info **table, size_t *count);
/* A kind's state buffers by torch's names ("exp_avg", "momentum_buffer", ...), in the
 * order of gdopt_slot_info.buffers' bits (an addition to the contract). */
gdopt_status gdopt_optimizer_state_names(const char *kind, const char *const **names, size_t *count);
/* A kind's scalar state by torch's names (nadam: "mu_product"; asgd: "eta", "mu"; none for
 * the other kinds: *count = 0), kept per slot as doubles (an addition to the contract). */
gdopt_status gdopt_optimizer_scalar_names(const char *kind, const char *const **names, size_t *count);
gdopt_status gdopt_schedule_kinds(const char *const **names, size_t *count);
gdopt_status gdopt_schedule_params(const char *kind, const gdopt_param_info **table, size_t *count);
/* Every method takes every option (one table); a method ignores those it does not use. */
gdopt_status gdopt_solver_methods(const char *const **names, size_t *count);
gdopt_status gdopt_solver_params(const char *method, const gdopt_param_info **table, size_t *count);

/* ---- Optimizer objects ------------------------------------------------------------- */

/* An optimizer holds hyperparameters and per-slot state. A slot is one parameter buffer
 * (a layer's weights, say), named by any size_t. Its state (moment buffers and its own
 * step count t) is created on its first step; later steps must use the same n and dtype.
 *
 * Kinds and hyperparameters (torch.optim names and defaults; booleans are 0 or 1):
 *   "sgd"     lr=1e-3 momentum=0 dampening=0 nesterov=0 weight_decay=0 maximize=0
 *   "adagrad" lr=1e-2 lr_decay=0 weight_decay=0 initial_accumulator_value=0 eps=1e-10 maximize=0
 *   "rmsprop" lr=1e-2 alpha=0.99 eps=1e-8 weight_decay=0 momentum=0 centered=0 maximize=0
 *   "adam"    lr=1e-3 beta1=0.9 beta2=0.999 eps=1e-8 weight_decay=0 amsgrad=0 maximize=0
 *             (weight decay is L2 added to the gradient)
 *   "adamw"   as adam, but weight_decay=1e-2 and decoupled: p *= 1 - lr*weight_decay
 *   "lion"    lr=1e-4 beta1=0.9 beta2=0.99 weight_decay=0 maximize=0 (Chen et al. 2023;
 *             weight decay decoupled; state "exp_avg")
 *   "adamax"  lr=2e-3 beta1=0.9 beta2=0.999 eps=1e-8 weight_decay=0 maximize=0 (L2; state
 *             "exp_avg", "exp_inf")
 *   "adadelta" lr=1 rho=0.9 (0 <= rho <= 1) eps=1e-6 weight_decay=0 maximize=0 (L2; state
 *             "square_avg", "acc_delta")
 *   "rprop"   lr=1e-2 eta_minus=0.5 eta_plus=1.2 step_size_min=1e-6 step_size_max=50 maximize=0
 *             (0 < eta_minus < 1 < eta_plus, checked at step time; state "prev", and "step_size",
 *             which starts at lr)
 *   "nadam"   lr=2e-3 beta1=0.9 beta2=0.999 eps=1e-8 weight_decay=0 momentum_decay=4e-3
 *             decoupled_weight_decay=0 maximize=0 (state "exp_avg", "exp_avg_sq"; scalar state
 *             "mu_product", which starts at 1)
 *   "radam"   lr=1e-3 beta1=0.9 beta2=0.999 eps=1e-8 weight_decay=0 decoupled_weight_decay=0
 *             maximize=0 (state "exp_avg", "exp_avg_sq")
 *   "asgd"    lr=1e-2 lambd=1e-4 alpha=0.75 t0=1e6 weight_decay=0 maximize=0 (L2; state "ax";
 *             scalar state "eta", which starts at lr, and "mu", which starts at 1)
 *   "adafactor" lr=1e-2 beta2_decay=-0.8 (<= 0) eps1=0 (0: the dtype's epsilon, torch's None)
 *             eps2=1e-3 d=1 (>= 1) weight_decay=0 (decoupled) maximize=0 (state "row_var" and
 *             "col_var" for a slot given a shape by gdopt_optimizer_set_shape, else "variance")
 * and every kind has:
 *   reject_nonfinite=0  when 1, a step whose gradients hold NaN or Inf fails with
 *                       GDOPT_ERR_NONFINITE and changes nothing;
 *   max_grad_norm=0     when > 0, the slot's gradient is scaled by
 *                       max_grad_norm / (||g||_2 + 1e-6) when that is < 1 (torch's
 *                       clip_grad_norm_), without writing to the caller's grads.
 * The update equations are those of gdopt_sgd_update_f32 and friends below. */
typedef struct gdopt_optimizer gdopt_optimizer;

/* Creates an optimizer of the given kind with default hyperparameters and no state.
 * Ownership: *out belongs to the caller; free it with gdopt_optimizer_destroy.
 * Errors: NULL (kind or out), INVALID (unknown kind), MEMORY. */
gdopt_status gdopt_optimizer_create(const char *kind, gdopt_optimizer **out);

/* Sets one hyperparameter by name. The value is checked now; the nesterov combination
 * (momentum > 0 and dampening = 0) is checked at step time, so values can be set in any
 * order. Existing slot state is kept.
 * Errors: NULL, INVALID (name not of this kind, value NaN/Inf or out of range), STATE. */
gdopt_status gdopt_optimizer_set(gdopt_optimizer *o, const char *name, double value);

/* Reads one hyperparameter into *value.
 * Errors: NULL, INVALID (name not of this kind), STATE. */
gdopt_status gdopt_optimizer_get(const gdopt_optimizer *o, const char *name, double *value);

/* Updates params[0..n) in place from grads[0..n) and the slot's state. The first step of
 * a slot creates its state with this n and dtype. grads is only read.
 * Errors: NULL, SIZE (n = 0, n too large, or n differs from the slot's), INVALID (the
 * slot was created with the other dtype; nesterov without momentum > 0 and dampening = 0),
 * NONFINITE (reject_nonfinite = 1 and grads hold NaN/Inf), MEMORY, STATE (a destroyed
 * handle, or a slot loaded with step count 2^64-1, which cannot grow).
 * On any error params and state are unchanged. */
gdopt_status gdopt_optimizer_step_f32(gdopt_optimizer *o, size_t slot, float *params, const float *grads, size_t n);
gdopt_status gdopt_optimizer_step_f64(gdopt_optimizer *o, size_t slot, double *params, const double *grads, size_t n);

/* Runs every check gdopt_optimizer_step_* would run for these arguments (pointers, n, the
 * slot's n and dtype, the nesterov combination, non-finite grads when reject_nonfinite = 1)
 * and allocates the state buffers that step would create; it changes nothing a checkpoint
 * or a step can see. GDOPT_OK means the next step of this slot with these arguments will
 * succeed, MEMORY included: that step uses the buffers held here (reset, load and
 * deserialize drop them). A caller that updates several slots together checks them all
 * first, so that one bad slot, or too little memory, leaves every slot untouched; the
 * arrays must not overlap across slots. (An extension to the v1 contract.)
 * Errors: as gdopt_optimizer_step_*. */
gdopt_status gdopt_optimizer_check_f32(const gdopt_optimizer *o, size_t slot, const float *params, const float *grads,
                                       size_t n);
gdopt_status gdopt_optimizer_check_f64(const gdopt_optimizer *o, size_t slot, const double *params, const double *grads,
                                       size_t n);

/* Clears the state of every slot; keeps the hyperparameters. Errors: NULL, STATE. */
gdopt_status gdopt_optimizer_reset(gdopt_optimizer *o);

/* Checkpoints: kind, hyperparameters and every slot (dtype, n, t, buffers), versioned,
 * little-endian, with a CRC-32 (format: docs/checkpoint-format.md).
 *
 * gdopt_optimizer_save streams the state, in 1 MiB writes, to a temporary file in the same
 * folder (no second copy of the state is made), fsyncs it, renames it over path and fsyncs
 * the folder: a crash never leaves a half-written file at path. A path that exists and
 * whose target is not a regular file (a device, a FIFO, a folder) is IO, left as it was.
 * Errors: NULL, IO, MEMORY (the 1 MiB buffer), STATE.
 *
 * gdopt_optimizer_load reads a checkpoint of the same kind and replaces the optimizer's
 * hyperparameters and state with it. Everything is checked before anything changes. A
 * path that is not a regular file is IO at once (no blocking, no endless read).
 * Errors: NULL, IO, FORMAT (corrupt, truncated, other version or kind), MEMORY (the file,
 * or the state it holds, does not fit), STATE. */
gdopt_status gdopt_optimizer_save(const gdopt_optimizer *o, const char *path);
gdopt_status gdopt_optimizer_load(gdopt_optimizer *o, const char *path);

/* The same checkpoint bytes in memory, written straight into buf. *needed (never NULL)
 * receives the size. With cap = 0 (buf may then be NULL) the call only reports the size,
 * computed without building the checkpoint, and returns GDOPT_OK; buf = NULL with cap > 0
 * is GDOPT_ERR_NULL; with 0 < cap < size it returns GDOPT_ERR_SIZE and writes nothing to
 * buf. Nothing is allocated.
 * Errors: NULL, SIZE, STATE. */
gdopt_status gdopt_optimizer_serialize(const gdopt_optimizer *o, void *buf, size_t cap, size_t *needed);

/* Restores from bytes made by gdopt_optimizer_serialize, as gdopt_optimizer_load does.
 * len = 0, like any length shorter than a checkpoint, is FORMAT (§8).
 * Errors: NULL, SIZE (len too large), FORMAT, MEMORY, STATE. */
gdopt_status gdopt_optimizer_deserialize(gdopt_optimizer *o, const void *buf, size_t len);

/* A slot's state as data (an addition to the contract, §10): what a binding needs to
 * build a state_dict, or to load one, without the checkpoint layout.
 *
 * gdopt_optimizer_slots writes the ids of the slots that have state, in increasing order,
 * to slots[0..cap) and their number to *count; cap = 0 (slots may be NULL) only counts.
 * Errors: NULL, SIZE (0 < cap < *count: nothing written), STATE. */
gdopt_status gdopt_optimizer_slots(const gdopt_optimizer *o, size_t *slots, size_t cap, size_t *count);

typedef struct {
    int32_t dtype;    /* GDOPT_F32 or GDOPT_F64 */
    uint32_t buffers; /* bit i set: the slot holds buffer i of gdopt_optimizer_state_names */
    size_t n;
    uint64_t step; /* the slot's step count t, >= 1 */
} gdopt_slot_info;

/* Errors: NULL, INVALID (the slot has no state), STATE. */
gdopt_status gdopt_optimizer_slot_info(const gdopt_optimizer *o, size_t slot, gdopt_slot_info *info);

/* Compact state (API.md §11): how a kind with moment buffers keeps them, set by the
 * hyperparameter "state_format" (a kind without moments, such as rprop or asgd, has none:
 * setting it gives INVALID; adafactor has none either, as its step spans the whole tensor).
 * A slot takes the format in force at its first step and keeps it. state_get/state_set and
 * state_dicts see decoded values; checkpoints keep the compact bytes. */
#define GDOPT_STATE_NATIVE 0   /* the params' dtype (the default) */
#define GDOPT_STATE_BFLOAT16 1 /* bfloat16, rounded to nearest even */
#define GDOPT_STATE_INT8 2     /* 8-bit blockwise, as bitsandbytes keeps state (below) */
/* GDOPT_STATE_INT8: one code per element on bitsandbytes' dynamic maps (the signed map for the
 * first moments exp_avg, grad_avg and momentum_buffer, the unsigned one for the others) and one
 * float32 absmax per block of 256 elements; slots under 4096 elements keep native state. */

/* Writes the format slot `slot` keeps its moments in (GDOPT_STATE_*) to *format.
 * Errors: NULL, INVALID (the slot has no state), STATE. */
gdopt_status gdopt_optimizer_slot_format(const gdopt_optimizer *o, size_t slot, int *format);

/* The bytes one compact moment buffer of n elements takes: 2n for GDOPT_STATE_BFLOAT16; for
 * GDOPT_STATE_INT8 the n codes, padded to a multiple of 64 bytes, then ceil(n/256) float
 * absmax values. 0 for another format, n = 0, or a size that does not fit in size_t. */
size_t gdopt_state_bytes(int format, size_t n);

/* Copies the slot's buffer `name` to out[0..n).
 * Errors: NULL, INVALID (no state, a name the kind does not have, a buffer the slot does
 * not hold, the other dtype), SIZE (n differs from the slot's), STATE. */
gdopt_status gdopt_optimizer_state_get_f32(const gdopt_optimizer *o, size_t slot, const char *name, float *out,
                                           size_t n);
gdopt_status gdopt_optimizer_state_get_f64(const gdopt_optimizer *o, size_t slot, const char *name, double *out,
                                           size_t n);

/* Replaces the slot's whole state: dtype of the call, n elements, step count `step`, and
 * the `count` buffers names[i] with values buffers[i][0..n) (copied; a buffer not named is
 * absent, and a later step that needs it creates it as a first step would). Everything is
 * checked and copied before the slot changes, as a load does.
 * Errors: NULL (names or buffers with count > 0, or one of their entries), SIZE (n = 0 or
 * too large), INVALID (step = 0, a name the kind does not have, or given twice), MEMORY,
 * STATE. */
gdopt_status gdopt_optimizer_state_set_f32(gdopt_optimizer *o, size_t slot, uint64_t step, size_t n,
                                           const char *const *names, const float *const *buffers, size_t count);
gdopt_status gdopt_optimizer_state_set_f64(gdopt_optimizer *o, size_t slot, uint64_t step, size_t n,
                                           const char *const *names, const double *const *buffers, size_t count);

/* Gives `slot` a rows x cols shape before its first step, as torch sees a 2-D tensor:
 * adafactor then keeps a row factor (rows elements) and a column factor (cols) for it instead
 * of a full variance, and every step of the slot must have n = rows*cols (else SIZE). The
 * other kinds ignore the shape. It survives gdopt_optimizer_reset; a checkpoint stores each
 * slot's shape. For a factored slot, gdopt_optimizer_state_get/_set take row_var with rows
 * elements and col_var with cols (state_set uses the shape given here).
 * Errors: NULL, INVALID (rows or cols 0, rows*cols overflows, the slot already has state),
 * STATE. */
gdopt_status gdopt_optimizer_set_shape(gdopt_optimizer *o, size_t slot, size_t rows, size_t cols);
/* The shape of a slot's factored state, or 0 x 0 when it is not factored.
 * Errors: NULL, INVALID (the slot has no state), STATE. */
gdopt_status gdopt_optimizer_slot_shape(const gdopt_optimizer *o, size_t slot, size_t *rows, size_t *cols);

/* A slot's scalar state value `name` (gdopt_optimizer_scalar_names). state_set starts each at
 * its first-step value; scalar_set then sets one, to load a state_dict.
 * Errors: NULL, INVALID (no state, a name the kind does not have, a value out of its range:
 * mu_product and mu in [0, 1], eta finite and >= 0; nothing changes), STATE. */
gdopt_status gdopt_optimizer_scalar_get(const gdopt_optimizer *o, size_t slot, const char *name, double *value);
gdopt_status gdopt_optimizer_scalar_set(gdopt_optimizer *o, size_t slot, const char *name, double value);

/* Frees the optimizer and all its state. NULL is a no-op. A handle that was destroyed
 * is recognised by later calls, which fail with GDOPT_ERR_STATE until its memory is
 * reused by a later create; using it is still a bug. */
void gdopt_optimizer_destroy(gdopt_optimizer *o);

/* ---- Stateless kernels ------------------------------------------------------------- */

/* For callers that own the optimizer state too (simulation codes, shards of a
 * distributed buffer). The optimizer objects run these same kernels. t is the 1-based
 * step count (t = 0 is GDOPT_ERR_INVALID). A state buffer the configuration does not use
 * may be NULL. g is the gradient, negated first when maximize; weight decay is then added.
 * Errors: NULL (p, g or a needed state buffer), SIZE (n = 0 or too large), INVALID (a
 * hyperparameter NaN/Inf or out of range, a boolean not 0/1, t = 0, unknown flags).
 * Thread-safe for disjoint buffers. */

/* SGD:  if wd: g += wd*p.  If momentum: b = g at t = 1, else b = momentum*b + (1-dampening)*g;
 *       then g = g + momentum*b if nesterov, else g = b.  p -= lr*g.
 * nesterov needs momentum > 0 and dampening = 0. momentum_buf may be NULL when momentum = 0. */
gdopt_status gdopt_sgd_update_f32(float *p, const float *g, float *momentum_buf, size_t n, uint64_t t,
                                  double lr, double momentum, double dampening, double weight_decay,
                                  int nesterov, int maximize);
gdopt_status gdopt_sgd_update_f64(double *p, const double *g, double *momentum_buf, size_t n, uint64_t t,
                                  double lr, double momentum, double dampening, double weight_decay,
                                  int nesterov, int maximize);

/* Adagrad:  clr = lr / (1 + (t-1)*lr_decay).  If wd: g += wd*p.  sum += g^2.
 *           p -= clr*g / (sqrt(sum) + eps).   (Start sum at initial_accumulator_value.) */
gdopt_status gdopt_adagrad_update_f32(float *p, const float *g, float *sum, size_t n, uint64_t t,
                                      double lr, double lr_decay, double weight_decay, double eps, int maximize);
gdopt_status gdopt_adagrad_update_f64(double *p, const double *g, double *sum, size_t n, uint64_t t,
                                      double lr, double lr_decay, double weight_decay, double eps, int maximize);

/* RMSprop:  if wd: g += wd*p.  v = alpha*v + (1-alpha)*g^2.  If centered: gbar = alpha*gbar +
 *           (1-alpha)*g and vt = v - gbar^2, else vt = v.  d = sqrt(vt) + eps.  If momentum > 0:
 *           b = momentum*b + g/d and p -= lr*b; else p -= lr*g/d.
 * grad_avg may be NULL unless centered; momentum_buf may be NULL unless momentum > 0.
 * Start all three buffers at zero. */
gdopt_status gdopt_rmsprop_update_f32(float *p, const float *g, float *square_avg, float *grad_avg, float *momentum_buf,
                                      size_t n, double lr, double alpha, double eps, double weight_decay,
                                      double momentum, int centered, int maximize);
gdopt_status gdopt_rmsprop_update_f64(double *p, const double *g, double *square_avg, double *grad_avg,
                                      double *momentum_buf, size_t n, double lr, double alpha, double eps,
                                      double weight_decay, double momentum, int centered, int maximize);

/* Adam flags. */
#define GDOPT_ADAM_DECOUPLED 1 /* AdamW: p *= 1 - lr*wd instead of g += wd*p */
#define GDOPT_ADAM_AMSGRAD 2   /* keep vmax = max(vmax, v) and use it for v-hat */
#define GDOPT_ADAM_MAXIMIZE 4  /* ascend: g = -g */

/* Adam:  if wd and not DECOUPLED: g += wd*p; if DECOUPLED: p *= 1 - lr*wd.
 *        m = beta1*m + (1-beta1)*g,  v = beta2*v + (1-beta2)*g^2,  bc1 = 1-beta1^t, bc2 = 1-beta2^t.
 *        vhat = vmax = max(vmax, v) if AMSGRAD, else vhat = v.
 *        p -= (lr/bc1)*m / (sqrt(vhat)/sqrt(bc2) + eps).
 * vmax may be NULL without AMSGRAD. Start m, v and vmax at zero. */
gdopt_status gdopt_adam_update_f32(float *p, const float *g, float *m, float *v, float *vmax, size_t n, uint64_t t,
                                   double lr, double beta1, double beta2, double eps, double weight_decay, int flags);
gdopt_status gdopt_adam_update_f64(double *p, const double *g, double *m, double *v, double *vmax, size_t n,
                                   uint64_t t, double lr, double beta1, double beta2, double eps,
                                   double weight_decay, int flags);

/* Adam with compact moments: m, v and vmax (NULL without AMSGRAD) each hold
 * gdopt_state_bytes(format, n) bytes, all zero before the first step; format is
 * GDOPT_STATE_BFLOAT16 or GDOPT_STATE_INT8 (at any n: the 4096-element threshold is the
 * optimizer objects'). Each call decodes, updates and re-encodes every block in one pass, as an
 * optimizer's compact slot does, with the same bits. Errors as gdopt_adam_update_f32, and
 * INVALID for another format. */
gdopt_status gdopt_adam_update_compact_f32(float *p, const float *g, void *m, void *v, void *vmax, int format,
                                           size_t n, uint64_t t, double lr, double beta1, double beta2, double eps,
                                           double weight_decay, int flags);
gdopt_status gdopt_adam_update_compact_f64(double *p, const double *g, void *m, void *v, void *vmax, int format,
                                           size_t n, uint64_t t, double lr, double beta1, double beta2, double eps,
                                           double weight_decay, int flags);

/* Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms"; not in torch.optim):
 *        c = beta1*exp_avg + (1-beta1)*g,  u = sign(c) (0 at 0, NaN kept),
 *        p *= 1 - lr*weight_decay,  p -= lr*u,  exp_avg = beta2*exp_avg + (1-beta2)*g.
 * No step count: Lion has no bias correction. Start exp_avg at zero. */
gdopt_status gdopt_lion_update_f32(float *p, const float *g, float *exp_avg, size_t n, double lr, double beta1,
                                   double beta2, double weight_decay, int maximize);
gdopt_status gdopt_lion_update_f64(double *p, const double *g, double *exp_avg, size_t n, double lr, double beta1,
                                   double beta2, double weight_decay, int maximize);

/* Adamax (torch.optim.Adamax, its single-tensor code):  if wd: g += wd*p.
 *        exp_avg += (1-beta1)*(g - exp_avg)   (torch's lerp_),  exp_inf = max(beta2*exp_inf, |g| + eps),
 *        p -= (lr / (1 - beta1^t)) * (exp_avg / exp_inf).   Start both buffers at zero. */
gdopt_status gdopt_adamax_update_f32(float *p, const float *g, float *exp_avg, float *exp_inf, size_t n, uint64_t t,
                                     double lr, double beta1, double beta2, double eps, double weight_decay,
                                     int maximize);
gdopt_status gdopt_adamax_update_f64(double *p, const double *g, double *exp_avg, double *exp_inf, size_t n,
                                     uint64_t t, double lr, double beta1, double beta2, double eps,
                                     double weight_decay, int maximize);

/* Adadelta (torch.optim.Adadelta, its single-tensor code):  if wd: g += wd*p.
 *        square_avg = rho*square_avg + (1-rho)*g^2,  delta = sqrt(acc_delta + eps) / sqrt(square_avg + eps) * g,
 *        acc_delta = rho*acc_delta + (1-rho)*delta^2,  p -= lr*delta.
 * No step count (the update does not use it). Start both buffers at zero. */
gdopt_status gdopt_adadelta_update_f32(float *p, const float *g, float *square_avg, float *acc_delta, size_t n,
                                       double lr, double rho, double eps, double weight_decay, int maximize);
gdopt_status gdopt_adadelta_update_f64(double *p, const double *g, double *square_avg, double *acc_delta, size_t n,
                                       double lr, double rho, double eps, double weight_decay, int maximize);

/* Rprop (torch.optim.Rprop, its single-tensor code), per element: s = sign(g*prev),
 *        f = eta_plus if s > 0, eta_minus if s < 0, 1 if s = 0;
 *        step_size = clamp(step_size*f, step_size_min, step_size_max);  g = 0 where s < 0;
 *        p -= sign(g)*step_size;  prev = g.
 * Start prev at zero and step_size at the learning rate (torch's lr). No step count.
 * INVALID unless 0 < eta_minus < 1 < eta_plus. */
gdopt_status gdopt_rprop_update_f32(float *p, const float *g, float *prev, float *step_size, size_t n,
                                    double eta_minus, double eta_plus, double step_size_min, double step_size_max,
                                    int maximize);
gdopt_status gdopt_rprop_update_f64(double *p, const double *g, double *prev, double *step_size, size_t n,
                                    double eta_minus, double eta_plus, double step_size_min, double step_size_max,
                                    int maximize);

/* NAdam (torch.optim.NAdam, its single-tensor code), with t >= 1 and psi = momentum_decay:
 *        if decoupled_weight_decay: p *= 1 - lr*wd, else g += wd*p.
 *        mu_t = beta1*(1 - 0.5*0.96^(t*psi)), mu_next = beta1*(1 - 0.5*0.96^((t+1)*psi)),
 *        *mu_product *= mu_t;  m += (1-beta1)*(g - m);  v = beta2*v + (1-beta2)*g^2;
 *        d = sqrt(v/(1-beta2^t)) + eps;
 *        p += (-lr*(1-mu_t)/(1-*mu_product))*g/d;  p += (-lr*mu_next/(1-*mu_product*mu_next))*m/d.
 * *mu_product (in/out) is the product of the earlier mu_t: start it at 1. It is written only
 * when the call succeeds (it reaches 0 after some thousand steps, as in torch, where it is a
 * float32); INVALID unless 0 <= *mu_product <= 1. Start m and v at zero. */
gdopt_status gdopt_nadam_update_f32(float *p, const float *g, float *exp_avg, float *exp_avg_sq, double *mu_product,
                                    size_t n, uint64_t t, double lr, double beta1, double beta2, double eps,
                                    double weight_decay, double momentum_decay, int decoupled_weight_decay,
                                    int maximize);
gdopt_status gdopt_nadam_update_f64(double *p, const double *g, double *exp_avg, double *exp_avg_sq,
                                    double *mu_product, size_t n, uint64_t t, double lr, double beta1, double beta2,
                                    double eps, double weight_decay, double momentum_decay, int decoupled_weight_decay,
                                    int maximize);

/* RAdam (torch.optim.RAdam, its single-tensor code), with t >= 1:
 *        if decoupled_weight_decay: p *= 1 - lr*wd, else g += wd*p.
 *        m += (1-beta1)*(g - m);  v = beta2*v + (1-beta2)*g^2;  bc1 = 1-beta1^t, bc2 = 1-beta2^t;
 *        rho_inf = 2/(1-beta2) - 1,  rho_t = rho_inf - 2*t*beta2^t/bc2;
 *        if rho_t > 5: r = sqrt((rho_t-4)(rho_t-2)rho_inf / ((rho_inf-4)(rho_inf-2)rho_t)),
 *                      p -= (m/bc1)*lr*(sqrt(bc2)/(sqrt(v) + eps))*r;
 *        else:         p -= (m/bc1)*lr.
 * Start m and v at zero. */
gdopt_status gdopt_radam_update_f32(float *p, const float *g, float *exp_avg, float *exp_avg_sq, size_t n,
                                    uint64_t t, double lr, double beta1, double beta2, double eps,
                                    double weight_decay, int decoupled_weight_decay, int maximize);
gdopt_status gdopt_radam_update_f64(double *p, const double *g, double *exp_avg, double *exp_avg_sq, size_t n,
                                    uint64_t t, double lr, double beta1, double beta2, double eps,
                                    double weight_decay, int decoupled_weight_decay, int maximize);

/* ASGD (torch.optim.ASGD, its single-tensor code), with t >= 1:
 *        g += wd*p;  p *= 1 - lambd*(*eta);  p -= (*eta)*g;
 *        ax += (p - ax)*(*mu) if *mu != 1, else ax = p;
 *        then *eta = lr/(1 + lambd*lr*t)^alpha and *mu = 1/max(1, t - t0).
 * *eta and *mu (in/out) start at lr and 1; they are written only when the call succeeds.
 * INVALID unless *eta is finite and >= 0 and 0 <= *mu <= 1. Start ax at zero. */
gdopt_status gdopt_asgd_update_f32(float *p, const float *g, float *ax, double *eta, double *mu, size_t n,
                                   uint64_t t, double lr, double lambd, double alpha, double t0, double weight_decay,
                                   int maximize);
gdopt_status gdopt_asgd_update_f64(double *p, const double *g, double *ax, double *eta, double *mu, size_t n,
                                   uint64_t t, double lr, double lambd, double alpha, double t0, double weight_decay,
                                   int maximize);

/* Adafactor (torch.optim.Adafactor, its single-tensor code), with t >= 1, w = t^beta2_decay and
 * e1 = eps1, or FLT_EPSILON / DBL_EPSILON when eps1 = 0 (torch's None):
 *        alpha = max(eps2, ||p||_2/sqrt(n)) * min(lr, 1/sqrt(t))   (p before this step);
 *        p *= 1 - lr*weight_decay;
 *        factored (rows*cols = n, rows and cols > 0; row-major p):
 *            row_var[i] = lerp(row_var[i], mean_j g[i][j]^2, w), col_var[j] likewise over i,
 *            V[i][j] = row_var[i]*col_var[j] / max(mean(row_var), e1);
 *        else (rows = cols = 0): V = variance = lerp(variance, g^2, w);
 *        u = g / sqrt(max(V, e1^2));  p -= alpha / max(1, ||u||_2/(sqrt(n)*d)) * u.
 * lerp(a, b, w) is torch's: a + w*(b - a) when w < 0.5, else b - (b - a)*(1 - w). Start the
 * state at zero; row_var and col_var may be NULL when not factored, variance when factored.
 * A factored call allocates rows + cols doubles of working space (the optimizer objects keep
 * theirs). INVALID unless beta2_decay <= 0 and d >= 1; SIZE for a shape that does not
 * multiply to n. */
gdopt_status gdopt_adafactor_update_f32(float *p, const float *g, float *row_var, float *col_var, float *variance,
                                        size_t n, size_t rows, size_t cols, uint64_t t, double lr,
                                        double beta2_decay, double eps1, double eps2, double d, double weight_decay,
                                        int maximize);
gdopt_status gdopt_adafactor_update_f64(double *p, const double *g, double *row_var, double *col_var,
                                        double *variance, size_t n, size_t rows, size_t cols, uint64_t t, double lr,
                                        double beta2_decay, double eps1, double eps2, double d, double weight_decay,
                                        int maximize);

/* ---- Helpers ----------------------------------------------------------------------- */

/* Clips count gradient buffers in place by one global L2 norm, as torch's
 * clip_grad_norm_: with N = sqrt(sum of all squares), each element is multiplied by
 * max_norm / (N + 1e-6) when that is < 1. *total_norm (may be NULL) receives N, from
 * before clipping. Sums are taken in double, so the result does not depend on threads.
 * Errors: NULL (grads, lens, a buffer), SIZE (count = 0, a length of 0 or too large),
 * INVALID (max_norm NaN/Inf or < 0), MEMORY. Every pointer and length is checked before
 * anything is allocated for count. Nothing is written on error. */
gdopt_status gdopt_clip_grad_norm_f32(float *const *grads, const size_t *lens, size_t count, double max_norm,
                                      double *total_norm);
gdopt_status gdopt_clip_grad_norm_f64(double *const *grads, const size_t *lens, size_t count, double max_norm,
                                      double *total_norm);

/* A deterministic permutation of 0..n-1 for mini-batch epochs, the same in every
 * language: perm starts as the identity, s = seed + epoch*0x9E3779B97F4A7C15 (mod 2^64)
 * seeds SplitMix64, and for i = n-1 down to 1, perm[i] is swapped with perm[next() % (i+1)].
 * Errors: NULL (perm), SIZE (n = 0). Thread-safe. */
gdopt_status gdopt_shuffle(uint64_t seed, uint64_t epoch, size_t *perm, size_t n);

/* ---- Learning-rate schedules ------------------------------------------------------- */

/* The values of torch.optim.lr_scheduler; `step` counts from 0. Kinds and parameters
 * (defaults in brackets; every kind has base_lr [1e-3]):
 *   "constant"       base_lr
 *   "step"           step_size [1], gamma [0.1]: base * gamma^floor(t / step_size)
 *   "exponential"    gamma [0.9]: base * gamma^t
 *   "cosine"         t_max [100], eta_min [0]: eta_min + (base - eta_min)(1 + cos(pi t / t_max))/2,
 *                    torch's closed form, periodic past t_max
 *   "warmup_cosine"  warmup_steps [10], t_max [100], eta_min [0]: base (t+1)/w for t < w, then
 *                    the cosine from w to t_max, eta_min after
 *   "inverse_time"   decay [0.01]: base / (1 + decay t)
 *   "one_cycle"      max_lr [0.1], total_steps [100], pct_start [0.3], div_factor [25],
 *                    final_div_factor [1e4]: torch's OneCycleLR (two cosine phases); base_lr
 *                    is unused; past total_steps - 1 it stays at the final value
 *   "plateau"        factor [0.1], patience [10], threshold [1e-4], min_lr [0]: torch's
 *                    ReduceLROnPlateau (mode min, relative threshold, cooldown 0), driven by
 *                    gdopt_schedule_observe; gdopt_schedule_lr ignores step
 * One schedule per thread. */
typedef struct gdopt_schedule gdopt_schedule;

/* Errors: NULL, INVALID (unknown kind), MEMORY. Free with gdopt_schedule_destroy. */
gdopt_status gdopt_schedule_create(const char *kind, gdopt_schedule **out);

/* step_size, t_max, warmup_steps, total_steps and patience are whole numbers in [0, 2^53].
 * Errors: NULL, INVALID (a name the kind does not have, NaN/Inf, out of range or not a
 * whole number), STATE. */
gdopt_status gdopt_schedule_set(gdopt_schedule *s, const char *name, double value);

/* Reads a parameter (an addition to the contract). Errors: NULL, INVALID, STATE. */
gdopt_status gdopt_schedule_get(const gdopt_schedule *s, const char *name, double *value);

/* The learning rate at step; never NaN: parameters that would make it NaN are INVALID
 * (one_cycle with pct_start * total_steps = 1, a warm-up of 0 steps, which torch divides
 * by). base_lr = 0 stays 0 where gamma^t overflows, as torch's repeated products do.
 * Errors: NULL, INVALID (inconsistent parameters, e.g. warmup_steps >= t_max,
 * step_size < 1, total_steps < 2), STATE. */
gdopt_status gdopt_schedule_lr(const gdopt_schedule *s, uint64_t step, double *lr);

/* Feeds one metric (lower is better) to a plateau schedule.
 * Errors: NULL, INVALID (NaN), STATE (not a plateau schedule, or a destroyed handle). */
gdopt_status gdopt_schedule_observe(gdopt_schedule *s, double metric);

/* Frees the schedule. NULL is a no-op. */
void gdopt_schedule_destroy(gdopt_schedule *s);

/* ---- Autodiff tape ------------------------------------------------------------------ */

/* A reverse-mode tape over dense tensors of rank 0 to 8 (row-major, C order). Each op
 * computes its value when recorded; gdopt_tape_backward then fills the gradient of every
 * node that depends on a variable (a node used twice sums both contributions).
 * gdopt_tape_clear drops the nodes but keeps the memory, so a training loop that records
 * the same graph each iteration allocates only in the first. One tape per thread. */
typedef struct gdopt_tape gdopt_tape;
/* A node on a tape. Its id names it for the whole process: a node of another tape (or of a
 * destroyed one), or recorded before a clear, is INVALID for as long as the tape lives,
 * however many clears follow; ids never repeat (a tape refuses its 2^47th node, SIZE).
 * At most 65535 tapes are alive at once (create: MEMORY beyond). */
typedef int64_t gdopt_node;

/* The codes below are named enum types (the values are part of the ABI); the functions
 * take them as int, so a program may pass either. The library's own code reads its values
 * from these enums, so the two cannot drift. */
typedef enum gdopt_dtype { GDOPT_F32 = 1, GDOPT_F64 = 2 } gdopt_dtype;

typedef enum gdopt_op {
    /* Unary ops: element-wise, or reducing to a scalar (SUM, MEAN), or reversing the axes (TRANSPOSE). */
    GDOPT_NEG = 1,
    GDOPT_EXP = 2,
    GDOPT_LOG = 3,
    GDOPT_TANH = 4,
    GDOPT_SIGMOID = 5,
    GDOPT_RELU = 6, /* derivative 0 at 0 */
    GDOPT_SQUARE = 7,
    GDOPT_SQRT = 8,
    GDOPT_ABS = 9, /* derivative 0 at 0 */
    GDOPT_SUM = 10,
    GDOPT_MEAN = 11,
    GDOPT_TRANSPOSE = 12,
    /* Binary ops: element-wise with numpy broadcasting, and the 2-D matrix product (BLAS). */
    GDOPT_ADD = 20,
    GDOPT_SUB = 21,
    GDOPT_MUL = 22,
    GDOPT_DIV = 23,
    GDOPT_MATMUL = 24
} gdopt_op;

/* Losses over scores N x C and N labels in [0, C), averaged over the N rows. */
typedef enum gdopt_loss {
    GDOPT_SOFTMAX_CROSS_ENTROPY = 1, /* mean of logsumexp(s_i) - s_i[y_i], computed stably */
    GDOPT_MULTICLASS_HINGE = 2       /* mean of sum over j != y_i of max(0, s_ij - s_iy + 1) */
} gdopt_loss;

/* Creates an empty tape for GDOPT_F32 or GDOPT_F64 values. Free it with gdopt_tape_destroy.
 * Errors: NULL (out), INVALID (dtype), MEMORY. */
gdopt_status gdopt_tape_create(int dtype, gdopt_tape **out);

/* Drops every node; keeps the memory. Errors: NULL, STATE. */
gdopt_status gdopt_tape_clear(gdopt_tape *t);

/* Records a leaf holding a copy of data (shape[0] x ... x shape[rank-1] elements; rank 0
 * is a scalar and shape may then be NULL). Variables get gradients; constants do not.
 * Errors: NULL, INVALID (the tape holds the other dtype), SIZE (rank > 8, a dimension of 0,
 * too many elements), MEMORY, STATE. */
gdopt_status gdopt_tape_variable_f32(gdopt_tape *t, const float *data, size_t rank, const size_t *shape,
                                     gdopt_node *out);
gdopt_status gdopt_tape_variable_f64(gdopt_tape *t, const double *data, size_t rank, const size_t *shape,
                                     gdopt_node *out);
gdopt_status gdopt_tape_constant_f32(gdopt_tape *t, const float *data, size_t rank, const size_t *shape,
                                     gdopt_node *out);
gdopt_status gdopt_tape_constant_f64(gdopt_tape *t, const double *data, size_t rank, const size_t *shape,
                                     gdopt_node *out);

/* Records op(x). Errors: NULL, INVALID (unknown op, a node not on this tape), MEMORY, STATE. */
gdopt_status gdopt_tape_unary(gdopt_tape *t, int op, gdopt_node x, gdopt_node *out);

/* Records a op b. Errors: NULL, INVALID (unknown op, a node not on this tape), SIZE (shapes
 * that do not broadcast, or MATMUL operands that are not 2-D with a.cols == b.rows, or a MATMUL
 * dimension above 2^31 - 1, the BLAS's int), MEMORY, STATE. */
gdopt_status gdopt_tape_binary(gdopt_tape *t, int op, gdopt_node a, gdopt_node b, gdopt_node *out);

/* Records a scalar loss of scores (N x C) and labels[0..n), n = N.
 * Errors: NULL, INVALID (unknown kind, a label outside [0, C), a node not on this tape),
 * SIZE (scores not 2-D, n != N), MEMORY, STATE. */
gdopt_status gdopt_tape_loss(gdopt_tape *t, int kind, gdopt_node scores, const int64_t *labels, size_t n,
                             gdopt_node *out);

/* Computes the gradient of the scalar node with respect to every node it depends on (the
 * others read as zeros).
 * Errors: NULL, INVALID (a node not on this tape), SIZE (the node has more than one
 * element), STATE. */
gdopt_status gdopt_tape_backward(gdopt_tape *t, gdopt_node scalar);

/* The node's rank and dimensions (shape has room for 8).
 * Errors: NULL, INVALID (a node not on this tape), STATE. */
gdopt_status gdopt_tape_shape(const gdopt_tape *t, gdopt_node x, size_t *rank, size_t shape[8]);

/* Copies the node's value, or its gradient from the last backward (zeros where the
 * backward did not reach), into out[0..n), n = the node's element count.
 * Errors: NULL, INVALID (other dtype, a node not on this tape), SIZE (n), STATE (grad
 * before any backward since the last node was recorded). */
gdopt_status gdopt_tape_value_f32(const gdopt_tape *t, gdopt_node x, float *out, size_t n);
gdopt_status gdopt_tape_value_f64(const gdopt_tape *t, gdopt_node x, double *out, size_t n);
gdopt_status gdopt_tape_grad_f32(const gdopt_tape *t, gdopt_node x, float *out, size_t n);
gdopt_status gdopt_tape_grad_f64(const gdopt_tape *t, gdopt_node x, double *out, size_t n);

/* Replay: a graph recorded once and run again with new data, in one call per training step.
 * Record the graph (leaves of the batch's shape, the ops, the loss) once; then each
 * gdopt_tape_replay_* copies the fed leaves' new data and the losses' new labels in, reruns
 * the forward pass of every op the root depends on, in record order (the same results as
 * recording it anew), runs the backward pass from the root, and copies each fed variable's
 * gradient into its grad. Ops the root does not depend on are skipped, so one tape can hold
 * a graph per batch size over the same variables (a short last batch has a graph of its
 * own). Shapes are the recorded ones. The tape keeps no pointer after the call.
 *
 * One feed per leaf at most: data (the leaf's n elements, or NULL to keep its value) and
 * grad (n elements receiving a variable's gradient, or NULL). Leaves not fed keep their
 * values. One gdopt_labels per loss at most: n = the loss's rows, each label in [0, C). */
typedef struct {
    gdopt_node node;
    const float *data;
    float *grad;
    size_t n;
} gdopt_feed_f32;
typedef struct {
    gdopt_node node;
    const double *data;
    double *grad;
    size_t n;
} gdopt_feed_f64;
typedef struct {
    gdopt_node loss;
    const int64_t *labels;
    size_t n;
} gdopt_labels;

/* Replays the graph ending at the scalar root; *value (if value is not NULL) receives the
 * root's new value. feeds may be NULL when n_feeds is 0, labels when n_labels is 0.
 * Everything is checked before anything is written: on an error the tape, every grad buffer
 * and *value are unchanged. The grads must not overlap one another.
 * Errors: NULL (feeds, labels, a label array), INVALID (other dtype, a node not on this tape,
 * a fed node that is not a leaf, a grad for a constant, a leaf or loss given twice, a
 * labels node that is not a loss, a label outside [0, C)), SIZE (the root is not a scalar,
 * an n that is not the node's, more feeds or labels than the tape has nodes), MEMORY. */
gdopt_status gdopt_tape_replay_f32(gdopt_tape *t, gdopt_node root, const gdopt_feed_f32 *feeds, size_t n_feeds,
                                   const gdopt_labels *labels, size_t n_labels, float *value);
gdopt_status gdopt_tape_replay_f64(gdopt_tape *t, gdopt_node root, const gdopt_feed_f64 *feeds, size_t n_feeds,
                                   const gdopt_labels *labels, size_t n_labels, double *value);

/* Frees the tape. NULL is a no-op. */
void gdopt_tape_destroy(gdopt_tape *t);

/* ---- Gradient check ---------------------------------------------------------------- */

/* NLopt's objective: returns f(x) and, when grad is not NULL, writes the gradient into
 * grad[0..n). Returning NaN aborts the computation (GDOPT_ERR_CALLBACK). */
typedef double (*gdopt_objective)(size_t n, const double *x, double *grad, void *data);

typedef struct {
    double max_abs_error;  /* max |analytic - numeric| */
    double max_rel_error;  /* max |a - b| / max(|a|, |b|), 0 where both are 0 */
    size_t worst_index;    /* the coordinate of max_rel_error */
    double analytic_at_worst, numeric_at_worst;
    size_t evaluations;    /* calls of f: 1 + 2n */
} gdopt_gradcheck_result;

/* grad_out[i] = (f(x + h e_i) - f(x - h e_i)) / 2h, computed on a private copy of x (x is
 * never written; f is called with grad = NULL). h must be finite and > 0 (1e-5 is usual).
 * Errors: NULL (f, x, grad_out), SIZE (n), INVALID (h), CALLBACK (f returned NaN),
 * NONFINITE (an entry is Inf or NaN, f being infinite near x; the message names it).
 * grad_out is written only on success. */
gdopt_status gdopt_numerical_gradient(gdopt_objective f, void *data, const double *x, size_t n, double h,
                                      double *grad_out);

/* Compares f's analytic gradient at x with gdopt_numerical_gradient. A NaN or Inf in either
 * gradient is NONFINITE, never a pass: res is filled, worst_index is the first such entry
 * (the errors are NaN), and the message names it.
 * Errors: as gdopt_numerical_gradient, with res instead of grad_out. */
gdopt_status gdopt_gradcheck(gdopt_objective f, void *data, const double *x, size_t n, double h,
                             gdopt_gradcheck_result *res);

/* ---- Minimize drivers ------------------------------------------------------------- */

/* Minimisation in the manner of scipy.optimize.minimize and NLopt. Methods:
 *   "gd"                  x -= lr*g (the SGD kernel)
 *   "gd_linesearch"       steepest descent with Armijo backtracking (each search starts at
 *                         twice the last step)
 *   "momentum"            heavy ball: the SGD kernel with momentum
 *   "adam"                the Adam kernel on the full gradient
 *   "lbfgs"               two-loop recursion over `memory` pairs, strong Wolfe line search
 *                         (Nocedal & Wright Alg. 3.5/3.6, cubic interpolation). With bounds it
 *                         is L-BFGS-B (Byrd, Lu, Nocedal & Zhu 1995, with the 2011 subspace
 *                         step of Morales & Nocedal): generalized Cauchy point, subspace
 *                         minimisation, and the same line search capped at the box's edge
 *   "newton"              H d = -g by Cholesky; when H is not positive definite, H + tau I with
 *                         tau raised until it is (so saddles are escaped), then Armijo from 1.
 *                         H is gdopt_solver_set_hessian's, else centred differences of the
 *                         gradient (2n evaluations that never become the result). Dense: it
 *                         holds two n x n matrices (16 n^2 bytes, 1.6 GB at n = 10^4) and
 *                         refuses, with MEMORY and before any evaluation, an n whose
 *                         matrices exceed the machine's memory or that malloc refuses
 *   "random_search"       uniform samples of the box, seeded (SplitMix64)
 *   "random_local_search" best + step_scale*u, u uniform in [-1, 1]^n, clamped to the box
 * gd, gd_linesearch, momentum, adam and newton project every step onto the bounds
 * (gdopt_solver_set_bounds). The random methods sample the bounds, with the options lower
 * and upper standing in for an infinite side. No method evaluates f outside the bounds.
 * Cost: an iteration does O(n*memory) work outside f (newton: its n x n factorisation),
 * allocates nothing after the first, and splits vectors over gdopt_set_num_threads threads
 * with fixed-block sums, so the iterates are the same bits on any thread count.
 * Options (gdopt_solver_set), defaults in brackets:
 *   max_iter [1000]  iterations (samples for the random methods)
 *   max_evals [0]    objective calls, 0 = no limit
 *   gtol [1e-5]      stop when max|g_i| <= gtol (scipy's default)
 *   ftol [0]         stop when |f_prev - f| <= ftol * max(1, |f|) (0 = off)
 *   xtol [0]         stop when max|dx_i| <= xtol * max(1, max|x_i|) (0 = off)
 *   lr [1e-3]        gd, momentum, adam
 *   momentum [0.9]   momentum, in [0, 1)
 *   memory [10]      lbfgs pairs (0 counts as 1)
 *   c1 [1e-4], c2 [0.9]  sufficient decrease and curvature constants, 0 <= c1 < c2 < 1
 *   seed [0], step_scale [0.1], lower [-1], upper [1]   the random methods
 *   finite_differences [0]  1: f gives no gradient (grad is NULL) and the solver differences
 *                    it: centred, h = eps^(1/3) * max(1, |x_i|) (about 6e-6, scipy's '3-point'),
 *                    one-sided (three-point) at a bound; 1 + 2n evaluations per gradient
 *   max_iter, max_evals, memory and seed are whole numbers in [0, 2^53].
 * With bounds, gtol tests the projected gradient's infinity norm (scipy's pgtol), and
 * grad_norm reports it.
 * One solver per thread; different solvers may run on different threads. */
typedef struct gdopt_solver gdopt_solver;

typedef struct {
    size_t iteration, evaluations;
    double f;         /* the current iterate's value (the best so far for the random methods) */
    double grad_norm; /* max |g_i| at the iterate (NaN for the random methods) */
    double step;      /* max |dx_i| of this iteration */
} gdopt_progress;

typedef struct {
    double f, grad_norm; /* at the returned x, the best point seen */
    size_t iterations, evaluations;
    int reason;          /* GDOPT_CONVERGED_* or GDOPT_MAX_* or GDOPT_STOPPED_BY_CALLBACK */
} gdopt_result;

typedef enum gdopt_reason {
    GDOPT_CONVERGED_GTOL = 1,
    GDOPT_CONVERGED_FTOL = 2,
    GDOPT_CONVERGED_XTOL = 3,
    GDOPT_MAX_ITER = 4,
    GDOPT_MAX_EVALS = 5,
    GDOPT_STOPPED_BY_CALLBACK = 6,
    GDOPT_LINESEARCH_FAILED = 7 /* a line search found no decrease: not a convergence */
} gdopt_reason;

/* Errors: NULL, INVALID (unknown method), MEMORY. Free with gdopt_solver_destroy. */
gdopt_status gdopt_solver_create(const char *method, gdopt_solver **out);

/* Errors: NULL, INVALID (unknown name, NaN/Inf or out-of-range value), STATE. */
gdopt_status gdopt_solver_set(gdopt_solver *s, const char *name, double value);

/* Reads an option (an addition to the contract). Errors: NULL, INVALID (unknown name), STATE. */
gdopt_status gdopt_solver_get(const gdopt_solver *s, const char *name, double *value);

/* cb runs after every iteration; a nonzero return stops the run, which then returns GDOPT_OK
 * with reason GDOPT_STOPPED_BY_CALLBACK. cb = NULL removes it. Errors: NULL (s), STATE. */
gdopt_status gdopt_solver_set_progress(gdopt_solver *s, int (*cb)(const gdopt_progress *, void *), void *data);

/* hess writes the Hessian at x into H (n x n, row-major) for "newton"; a nonzero return
 * aborts the run with GDOPT_ERR_CALLBACK. hess = NULL goes back to finite differences.
 * Errors: NULL (s), STATE. */
gdopt_status gdopt_solver_set_hessian(gdopt_solver *s, int (*hess)(size_t n, const double *x, double *H, void *data),
                                      void *data);

/* One bound per coordinate, copied. Either array may be NULL (no bound on that side);
 * entries may be -INFINITY / +INFINITY. Both NULL clears the bounds. A later minimize or
 * begin with another n gives SIZE. x0 outside the bounds is projected into them.
 * Errors: NULL (s), SIZE (n), INVALID (NaN, lower[i] > upper[i]), STATE (a run is going);
 * on error the bounds are unchanged. */
gdopt_status gdopt_solver_set_bounds(gdopt_solver *s, const double *lower, const double *upper, size_t n);

/* Minimises f from x[0..n): the loop over begin/ask/tell below, calling f at each EVALUATE
 * and the progress callback at each ITERATE, so it visits the same points, bit for bit,
 * with the same counts. On return x holds the best point seen, also on
 * GDOPT_ERR_CALLBACK (f returned NaN or a non-finite gradient, or hess asked to stop).
 * res may be NULL. Errors: NULL (s, f, x), SIZE (n, bounds), INVALID (x0 not finite,
 * lower >= upper, c2 <= c1, an empty sampling box), MEMORY, CALLBACK, STATE. */
gdopt_status gdopt_solver_minimize(gdopt_solver *s, gdopt_objective f, void *data, double *x, size_t n,
                                   gdopt_result *res);

/* ---- Reverse communication (ask/tell) --------------------------------------------- */

/* For codes that cannot hand the library a callback (Fortran time loops, MPI codes where
 * every rank takes part in an evaluation, job schedulers):
 *
 *     gdopt_solver_begin(s, x0, n);
 *     for (;;) {
 *         gdopt_task task;
 *         gdopt_solver_ask(s, x, n, &task);
 *         if (task == GDOPT_TASK_EVALUATE) gdopt_solver_tell(s, f(x, g), g, n);
 *         else if (task == GDOPT_TASK_ITERATE) { log, gdopt_solver_save, or gdopt_solver_stop }
 *         else break;                          // DONE: x is the best point
 *     }
 *     gdopt_solver_result(s, &res);
 */
typedef int32_t gdopt_task; /* one of gdopt_task_code */
typedef enum gdopt_task_code {
    GDOPT_TASK_EVALUATE = 1, /* evaluate f (and the gradient) at x, then tell */
    GDOPT_TASK_ITERATE = 2,  /* an iteration ended; x is the new iterate; ask again */
    GDOPT_TASK_DONE = 3      /* x is the best point; gdopt_solver_result has the rest */
} gdopt_task_code;

/* Starts a run from a copy of x0 (a run already going is dropped). Options, bounds and
 * callbacks are read now; set, set_bounds, set_progress and set_hessian give STATE until
 * the run is DONE. Errors: as gdopt_solver_minimize's, before any evaluation. */
gdopt_status gdopt_solver_begin(gdopt_solver *s, const double *x0, size_t n);

/* Writes the next point into x[0..n) and sets *task. A Hessian callback runs inside ask.
 * Errors: NULL (s, x, task), SIZE (n is not the run's), STATE (no run, or a tell is due),
 * CALLBACK (hess asked to stop or wrote NaN: the run ends). */
gdopt_status gdopt_solver_ask(gdopt_solver *s, double *x, size_t n, gdopt_task *task);

/* f and the gradient at the x of the last EVALUATE. grad may be NULL for the random methods
 * and with finite_differences = 1 (it is then ignored). NaN in f, or NaN/Inf in grad, ends
 * the run: the call counts as an evaluation, returns CALLBACK, the next ask gives DONE with
 * the best point, and gdopt_solver_result returns CALLBACK with res filled (the one failing
 * call that changes the solver). Errors: NULL (s; grad when needed), SIZE (n), STATE (no
 * EVALUATE is waiting), CALLBACK; otherwise nothing changes on error. */
gdopt_status gdopt_solver_tell(gdopt_solver *s, double f, const double *grad, size_t n);

/* Ends the run: the next ask gives DONE with reason GDOPT_STOPPED_BY_CALLBACK.
 * Errors: NULL (s), STATE (no run). */
gdopt_status gdopt_solver_stop(gdopt_solver *s);

/* The result of a DONE run: f and grad_norm at the best point, the counts, the reason.
 * Returns CALLBACK (with res filled) for a run the objective ended.
 * Errors: NULL (s, res), STATE (no run, or not DONE). */
gdopt_status gdopt_solver_result(const gdopt_solver *s, gdopt_result *res);

/* n of the solver's run (0 when it has none), for a program that loaded a checkpoint
 * (an addition to the contract). Errors: NULL (s, n). */
gdopt_status gdopt_solver_dimension(const gdopt_solver *s, size_t *n);

/* ---- Solver checkpoints ------------------------------------------------------------ */

/* Between two calls of a run (or before begin) these save and restore the options, the
 * bounds and the whole run: the iterate, f and gradient, the L-BFGS pairs, the line search
 * in progress, finite differences in progress, the counters and the random state. A run
 * restored in another process continues bit for bit. A checkpoint taken while a tell is
 * due keeps that point: after a load the first ask returns it again. Callbacks are not
 * saved: set them again after a load. The format is in docs/checkpoint-format.md; files
 * are written crash-safely, as the optimizer's are (gdopt_optimizer_save).
 * Errors: NULL, IO (save/load: cannot read or write, or the path is not a regular file),
 * FORMAT (corrupted, truncated, another version, another method; the solver is then
 * unchanged), SIZE (serialize: cap too small; *needed is set), MEMORY. serialize with
 * cap = 0 only sets *needed, without building the checkpoint; save streams, as the
 * optimizer's does. */
gdopt_status gdopt_solver_save(const gdopt_solver *s, const char *path);
gdopt_status gdopt_solver_load(gdopt_solver *s, const char *path);
gdopt_status gdopt_solver_serialize(const gdopt_solver *s, void *buf, size_t cap, size_t *needed);
gdopt_status gdopt_solver_deserialize(gdopt_solver *s, const void *buf, size_t len);

/* Frees the solver. NULL is a no-op. */
void gdopt_solver_destroy(gdopt_solver *s);

#ifdef __cplusplus
}
#endif

#endif /* GDOPT_H */

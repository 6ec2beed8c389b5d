/* The stateless kernels (gdopt_*_update_*) for callers that own the state too: the
 * functions of gdopt.kernels, and ShardedOptimizer's step on a slice of the params. */
#include "_gdopt.h"

#include <string.h>

/* Kernels over at least this many elements run without the GIL. */
enum { RELEASE_GIL_ABOVE = 16384 };

enum kernel { SGD, ADAGRAD, RMSPROP, ADAM, LION, ADAMAX, ADADELTA, RPROP, NADAM, RADAM, ASGD, ADAFACTOR, UNKNOWN };

static enum kernel kernel_named(const char *kind) {
    static const char *const names[] = {"sgd",      "adagrad", "rmsprop", "adam",  "lion", "adamax",
                                        "adadelta", "rprop",   "nadam",   "radam", "asgd", "adafactor"};
    for (int k = SGD; k < UNKNOWN; k++)
        if (!strcmp(kind, names[k])) return (enum kernel)k;
    return UNKNOWN;
}

/* kernel_update(kind, (p, g, s0, s1, s2), names, t, hyperparameters[, scalars]): one kernel
 * call of the optimizer kind named (one of kernel_named's names). nadam and asgd take their
 * scalar state as a tuple of floats (mu_product; eta, mu) and return it updated; the others
 * return None.
 * The state buffers may be None (NULL: the library says which one it needed); names are
 * the arrays' argument names, for errors; hyperparameters is a tuple in the C kernel's
 * argument order. Every array must have p's dtype and length. */
PyObject *kernel_update(PyObject *module, PyObject *args) {
    (void)module;
    const char *kind_name;
    PyObject *objects[5], *h;
    const char *names[5];
    unsigned long long t;
    double scalars[2] = {0, 0};
    if (!PyArg_ParseTuple(args, "s(OOOOO)(sssss)KO!|(dd)", &kind_name, &objects[0], &objects[1], &objects[2],
                          &objects[3], &objects[4], &names[0], &names[1], &names[2], &names[3], &names[4], &t,
                          &PyTuple_Type, &h, &scalars[0], &scalars[1]))
        return NULL;
    enum kernel kind = kernel_named(kind_name);
    double lr, a, b, c, d, e;
    Py_ssize_t rows = 0, cols = 0; /* adafactor's shape: row_var has rows elements, col_var cols */
    int flag1 = 0, flag2 = 0;
    int ok = kind == SGD         ? PyArg_ParseTuple(h, "ddddii", &lr, &a, &b, &c, &flag1, &flag2)
             : kind == ADAGRAD   ? PyArg_ParseTuple(h, "ddddi", &lr, &a, &b, &c, &flag1)
             : kind == RMSPROP   ? PyArg_ParseTuple(h, "dddddii", &lr, &a, &b, &c, &d, &flag1, &flag2)
             : kind == ADAM      ? PyArg_ParseTuple(h, "dddddi", &lr, &a, &b, &c, &d, &flag1)
             : kind == LION      ? PyArg_ParseTuple(h, "ddddi", &lr, &a, &b, &c, &flag1)
             : kind == ADAMAX    ? PyArg_ParseTuple(h, "dddddi", &lr, &a, &b, &c, &d, &flag1)
             : kind == ADADELTA  ? PyArg_ParseTuple(h, "ddddi", &lr, &a, &b, &c, &flag1)
             : kind == RPROP     ? PyArg_ParseTuple(h, "ddddi", &a, &b, &c, &d, &flag1)
             : kind == NADAM     ? PyArg_ParseTuple(h, "ddddddii", &lr, &a, &b, &c, &d, &e, &flag1, &flag2)
             : kind == RADAM     ? PyArg_ParseTuple(h, "dddddii", &lr, &a, &b, &c, &d, &flag1, &flag2)
             : kind == ASGD      ? PyArg_ParseTuple(h, "dddddi", &lr, &a, &b, &c, &d, &flag1)
             : kind == ADAFACTOR ? PyArg_ParseTuple(h, "nnddddddi", &rows, &cols, &lr, &a, &b, &c, &d, &e, &flag1) &&
                                       ((rows >= 0 && cols >= 0) ||
                                        (PyErr_SetString(PyExc_ValueError, "rows and cols must be >= 0"), 0))
                                 : (PyErr_Format(PyExc_ValueError, "unknown kernel %s", kind_name), 0);
    if (!ok) return NULL;
    Array arrays[5] = {0};
    void *pointers[5] = {NULL};
    for (int i = 0; i < 5; i++) {
        if (i >= 2 && objects[i] == Py_None) continue;
        if (!acquire(objects[i], &arrays[i], i != 1, names[i], -1)) goto fail;
        size_t expected = kind == ADAFACTOR && i == 2   ? (size_t)rows
                          : kind == ADAFACTOR && i == 3 ? (size_t)cols
                                                        : arrays[0].n;
        if (arrays[i].is_double != arrays[0].is_double || arrays[i].n != expected) {
            PyErr_Format(PyExc_ValueError, "%s has %zu %s elements, it must have %zu %s", names[i], arrays[i].n,
                         arrays[i].is_double ? "float64" : "float32", expected,
                         arrays[0].is_double ? "float64" : "float32");
            goto fail;
        }
        pointers[i] = arrays[i].view.buf;
    }
    size_t n = arrays[0].n;
    int f64 = arrays[0].is_double;
    gdopt_status status;
    PyThreadState *saved = n >= RELEASE_GIL_ABOVE ? PyEval_SaveThread() : NULL;
    void *p = pointers[0], *s0 = pointers[2], *s1 = pointers[3], *s2 = pointers[4];
    const void *g = pointers[1];
    switch (kind) {
    case SGD:
        status = f64 ? gdopt_sgd_update_f64(p, g, s0, n, t, lr, a, b, c, flag1, flag2)
                     : gdopt_sgd_update_f32(p, g, s0, n, t, lr, a, b, c, flag1, flag2);
        break;
    case ADAGRAD:
        status = f64 ? gdopt_adagrad_update_f64(p, g, s0, n, t, lr, a, b, c, flag1)
                     : gdopt_adagrad_update_f32(p, g, s0, n, t, lr, a, b, c, flag1);
        break;
    case RMSPROP:
        status = f64 ? gdopt_rmsprop_update_f64(p, g, s0, s1, s2, n, lr, a, b, c, d, flag1, flag2)
                     : gdopt_rmsprop_update_f32(p, g, s0, s1, s2, n, lr, a, b, c, d, flag1, flag2);
        break;
    case LION:
        status = f64 ? gdopt_lion_update_f64(p, g, s0, n, lr, a, b, c, flag1)
                     : gdopt_lion_update_f32(p, g, s0, n, lr, a, b, c, flag1);
        break;
    case ADAMAX:
        status = f64 ? gdopt_adamax_update_f64(p, g, s0, s1, n, t, lr, a, b, c, d, flag1)
                     : gdopt_adamax_update_f32(p, g, s0, s1, n, t, lr, a, b, c, d, flag1);
        break;
    case ADADELTA:
        status = f64 ? gdopt_adadelta_update_f64(p, g, s0, s1, n, lr, a, b, c, flag1)
                     : gdopt_adadelta_update_f32(p, g, s0, s1, n, lr, a, b, c, flag1);
        break;
    case RPROP:
        status = f64 ? gdopt_rprop_update_f64(p, g, s0, s1, n, a, b, c, d, flag1)
                     : gdopt_rprop_update_f32(p, g, s0, s1, n, a, b, c, d, flag1);
        break;
    case NADAM:
        status = f64 ? gdopt_nadam_update_f64(p, g, s0, s1, scalars, n, t, lr, a, b, c, d, e, flag1, flag2)
                     : gdopt_nadam_update_f32(p, g, s0, s1, scalars, n, t, lr, a, b, c, d, e, flag1, flag2);
        break;
    case RADAM:
        status = f64 ? gdopt_radam_update_f64(p, g, s0, s1, n, t, lr, a, b, c, d, flag1, flag2)
                     : gdopt_radam_update_f32(p, g, s0, s1, n, t, lr, a, b, c, d, flag1, flag2);
        break;
    case ASGD:
        status = f64 ? gdopt_asgd_update_f64(p, g, s0, scalars, scalars + 1, n, t, lr, a, b, c, d, flag1)
                     : gdopt_asgd_update_f32(p, g, s0, scalars, scalars + 1, n, t, lr, a, b, c, d, flag1);
        break;
    case ADAFACTOR:
        status = f64 ? gdopt_adafactor_update_f64(p, g, s0, s1, s2, n, (size_t)rows, (size_t)cols, t, lr, a, b, c, d, e,
                                                  flag1)
                     : gdopt_adafactor_update_f32(p, g, s0, s1, s2, n, (size_t)rows, (size_t)cols, t, lr, a, b, c, d, e,
                                                  flag1);
        break;
    default:
        status = f64 ? gdopt_adam_update_f64(p, g, s0, s1, s2, n, t, lr, a, b, c, d, flag1)
                     : gdopt_adam_update_f32(p, g, s0, s1, s2, n, t, lr, a, b, c, d, flag1);
        break;
    }
    if (saved) PyEval_RestoreThread(saved);
    release(arrays, 5);
    if (status != GDOPT_OK) return raise_status(status);
    return kind == NADAM  ? PyFloat_FromDouble(scalars[0])
           : kind == ASGD ? Py_BuildValue("(dd)", scalars[0], scalars[1])
                          : Py_NewRef(Py_None);
fail:
    release(arrays, 5);
    return NULL;
}

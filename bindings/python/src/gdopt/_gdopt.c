/* _gdopt: the thin CPython layer over libgdopt's C ABI. It reads arrays through the
 * buffer protocol (no numpy C API), never copies them, releases the GIL for large steps,
 * and turns gdopt statuses into Python exceptions carrying gdopt_last_error(). All the
 * optimizer logic is in the library; the friendly API is in __init__.py. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <gdopt.h>
#include <string.h>

static PyObject *NonFiniteError;

/* Steps of at least this many elements run without the GIL. */
enum { RELEASE_GIL_ABOVE = 16384 };

static PyObject *raise_status(gdopt_status status) {
    PyObject *type = PyExc_ValueError;
    switch (status) {
    case GDOPT_ERR_NONFINITE: type = NonFiniteError; break;
    case GDOPT_ERR_IO: type = PyExc_OSError; break;
    case GDOPT_ERR_MEMORY: type = PyExc_MemoryError; break;
    case GDOPT_ERR_CALLBACK:
    case GDOPT_ERR_STATE: type = PyExc_RuntimeError; break;
    default: break;
    }
    PyErr_SetString(type, gdopt_last_error());
    return NULL;
}

/* ---- Arrays ------------------------------------------------------------------------ */

typedef struct {
    Py_buffer view;
    int acquired;
    int is_double;
    size_t n;
} Array;

static void release(Array *arrays, Py_ssize_t count) {
    for (Py_ssize_t i = 0; i < count; i++)
        if (arrays[i].acquired) {
            PyBuffer_Release(&arrays[i].view);
            arrays[i].acquired = 0;
        }
}

/* Reads one argument as a contiguous float32/float64 buffer, or raises TypeError or
 * ValueError naming it ("params[1]"). Never copies: a copy would break the in-place
 * contract. */
static int acquire(PyObject *obj, Array *a, int writable, const char *name, Py_ssize_t index) {
    memset(a, 0, sizeof *a);
    if (!PyObject_CheckBuffer(obj)) {
        PyErr_Format(PyExc_TypeError, "%s[%zd] must be a float32 or float64 numpy array, got %.100s", name, index,
                     Py_TYPE(obj)->tp_name);
        return 0;
    }
    if (PyObject_GetBuffer(obj, &a->view, PyBUF_RECORDS_RO) != 0) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "%s[%zd] does not expose a typed buffer", name, index);
        return 0;
    }
    a->acquired = 1;
    const char *format = a->view.format ? a->view.format : "B";
    if (*format == '@' || *format == '=' || *format == '<') format++;
    if (a->view.ndim == 0) {
        PyErr_Format(PyExc_ValueError, "%s[%zd] is 0-d; pass an array with at least one element per dimension", name, index);
    } else if (!PyBuffer_IsContiguous(&a->view, 'C')) {
        PyErr_Format(PyExc_TypeError,
                     "%s[%zd] is not C-contiguous; gdopt updates arrays in place and never copies them "
                     "(make it contiguous with np.ascontiguousarray and keep using the result)", name, index);
    } else if (!((strcmp(format, "f") == 0 && a->view.itemsize == 4) || (strcmp(format, "d") == 0 && a->view.itemsize == 8))) {
        PyErr_Format(PyExc_TypeError, "%s[%zd] has element format '%s' (itemsize %zd); expected float32 or float64",
                     name, index, a->view.format ? a->view.format : "B", a->view.itemsize);
    } else if (writable && a->view.readonly) {
        PyErr_Format(PyExc_TypeError, "%s[%zd] is read-only; gdopt updates params in place", name, index);
    } else {
        a->is_double = format[0] == 'd';
        a->n = (size_t)(a->view.len / a->view.itemsize);
        return 1;
    }
    release(a, 1);
    return 0;
}

/* ---- Optimizer --------------------------------------------------------------------- */

typedef struct {
    PyObject_HEAD
    gdopt_optimizer *handle;
    int busy; /* a step runs without the GIL: another thread must not use the handle */
} Optimizer;

static int Optimizer_init(Optimizer *self, PyObject *args, PyObject *kwds) {
    static char *keywords[] = {"kind", NULL};
    const char *kind;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "s", keywords, &kind)) return -1;
    gdopt_optimizer_destroy(self->handle);
    self->handle = NULL;
    gdopt_status status = gdopt_optimizer_create(kind, &self->handle);
    if (status != GDOPT_OK) {
        raise_status(status);
        return -1;
    }
    return 0;
}

static void Optimizer_dealloc(Optimizer *self) {
    gdopt_optimizer_destroy(self->handle);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int usable(Optimizer *self) {
    if (!self->handle) {
        PyErr_SetString(PyExc_RuntimeError, "optimizer is not initialised");
        return 0;
    }
    if (self->busy) {
        PyErr_SetString(PyExc_RuntimeError, "optimizer is stepping on another thread; use one optimizer per thread");
        return 0;
    }
    return 1;
}

static PyObject *Optimizer_set(Optimizer *self, PyObject *args) {
    const char *name;
    double value;
    if (!PyArg_ParseTuple(args, "sd", &name, &value) || !usable(self)) return NULL;
    gdopt_status status = gdopt_optimizer_set(self->handle, name, value);
    return status == GDOPT_OK ? Py_NewRef(Py_None) : raise_status(status);
}

static PyObject *Optimizer_get(Optimizer *self, PyObject *args) {
    const char *name;
    double value = 0;
    if (!PyArg_ParseTuple(args, "s", &name) || !usable(self)) return NULL;
    gdopt_status status = gdopt_optimizer_get(self->handle, name, &value);
    return status == GDOPT_OK ? PyFloat_FromDouble(value) : raise_status(status);
}

/* step(params, grads): two arrays, or two sequences of arrays of equal length; pair i is
 * slot i. Every pair is checked (buffers, then gdopt_optimizer_check_*) before any is
 * stepped. The common single-array call allocates nothing. */
static PyObject *Optimizer_step(Optimizer *self, PyObject *args) {
    PyObject *params_obj, *grads_obj;
    if (!PyArg_ParseTuple(args, "OO", &params_obj, &grads_obj) || !usable(self)) return NULL;
    int single = PyObject_CheckBuffer(params_obj) || params_obj == Py_None;
    PyObject *params = single ? PyTuple_Pack(1, params_obj) : PySequence_Fast(params_obj, "params must be an array or a list of arrays");
    if (!params) return NULL;
    PyObject *grads = single ? PyTuple_Pack(1, grads_obj) : PySequence_Fast(grads_obj, "grads must be an array or a list of arrays");
    if (!grads) {
        Py_DECREF(params);
        return NULL;
    }
    PyObject *result = NULL;
    Py_ssize_t count = PySequence_Fast_GET_SIZE(params);
    Array few[8];
    Array *arrays = NULL;
    if (count != PySequence_Fast_GET_SIZE(grads)) {
        PyErr_Format(PyExc_ValueError, "params has %zd arrays but grads has %zd", count,
                     PySequence_Fast_GET_SIZE(grads));
        goto done;
    }
    if (count == 0) {
        PyErr_SetString(PyExc_ValueError, "params is empty");
        goto done;
    }
    arrays = count <= 4 ? memset(few, 0, sizeof few) : PyMem_Calloc((size_t)count * 2, sizeof *arrays);
    if (!arrays) {
        PyErr_NoMemory();
        goto done;
    }
    size_t total = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        Array *p = &arrays[2 * i], *g = &arrays[2 * i + 1];
        if (!acquire(PySequence_Fast_GET_ITEM(params, i), p, 1, "params", i) ||
            !acquire(PySequence_Fast_GET_ITEM(grads, i), g, 0, "grads", i))
            goto done;
        if (p->is_double != g->is_double) {
            PyErr_Format(PyExc_TypeError, "grads[%zd] is %s but params[%zd] is %s", i, g->is_double ? "float64" : "float32",
                         i, p->is_double ? "float64" : "float32");
            goto done;
        }
        if (p->n != g->n) {
            PyErr_Format(PyExc_ValueError, "grads[%zd] has %zu elements but params[%zd] has %zu", i, g->n, i, p->n);
            goto done;
        }
        /* A single step is atomic by itself; several are checked together first. */
        gdopt_status status = count == 1 ? GDOPT_OK
            : p->is_double ? gdopt_optimizer_check_f64(self->handle, (size_t)i, p->view.buf, g->view.buf, p->n)
                           : gdopt_optimizer_check_f32(self->handle, (size_t)i, p->view.buf, g->view.buf, p->n);
        if (status != GDOPT_OK) {
            raise_status(status);
            goto done;
        }
        total += p->n;
    }
    gdopt_status status = GDOPT_OK;
    self->busy = 1;
    PyThreadState *saved = total >= RELEASE_GIL_ABOVE ? PyEval_SaveThread() : NULL;
    for (Py_ssize_t i = 0; i < count && status == GDOPT_OK; i++) {
        Array *p = &arrays[2 * i], *g = &arrays[2 * i + 1];
        status = p->is_double ? gdopt_optimizer_step_f64(self->handle, (size_t)i, p->view.buf, g->view.buf, p->n)
                              : gdopt_optimizer_step_f32(self->handle, (size_t)i, p->view.buf, g->view.buf, p->n);
    }
    if (saved) PyEval_RestoreThread(saved);
    self->busy = 0;
    result = status == GDOPT_OK ? Py_NewRef(Py_None) : raise_status(status);
done:
    if (arrays) release(arrays, count * 2);
    if (arrays != few) PyMem_Free(arrays);
    Py_DECREF(params);
    Py_DECREF(grads);
    return result;
}

static PyObject *Optimizer_reset(Optimizer *self, PyObject *unused) {
    (void)unused;
    if (!usable(self)) return NULL;
    gdopt_status status = gdopt_optimizer_reset(self->handle);
    return status == GDOPT_OK ? Py_NewRef(Py_None) : raise_status(status);
}

static PyObject *Optimizer_save(Optimizer *self, PyObject *args) {
    PyObject *path = NULL;
    if (!PyArg_ParseTuple(args, "O&", PyUnicode_FSConverter, &path)) return NULL;
    gdopt_status status = usable(self) ? gdopt_optimizer_save(self->handle, PyBytes_AS_STRING(path)) : -1;
    Py_DECREF(path);
    return status == GDOPT_OK ? Py_NewRef(Py_None) : status < 0 ? NULL : raise_status(status);
}

static PyObject *Optimizer_load(Optimizer *self, PyObject *args) {
    PyObject *path = NULL;
    if (!PyArg_ParseTuple(args, "O&", PyUnicode_FSConverter, &path)) return NULL;
    gdopt_status status = usable(self) ? gdopt_optimizer_load(self->handle, PyBytes_AS_STRING(path)) : -1;
    Py_DECREF(path);
    return status == GDOPT_OK ? Py_NewRef(Py_None) : status < 0 ? NULL : raise_status(status);
}

static PyObject *Optimizer_serialize(Optimizer *self, PyObject *unused) {
    (void)unused;
    size_t needed = 0;
    if (!usable(self)) return NULL;
    gdopt_status status = gdopt_optimizer_serialize(self->handle, NULL, 0, &needed);
    if (status != GDOPT_OK) return raise_status(status);
    PyObject *bytes = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)needed);
    if (!bytes) return NULL;
    status = gdopt_optimizer_serialize(self->handle, PyBytes_AS_STRING(bytes), needed, &needed);
    if (status != GDOPT_OK) {
        Py_DECREF(bytes);
        return raise_status(status);
    }
    return bytes;
}

static PyObject *Optimizer_deserialize(Optimizer *self, PyObject *args) {
    Py_buffer data;
    if (!PyArg_ParseTuple(args, "y*", &data)) return NULL;
    gdopt_status status = usable(self) ? gdopt_optimizer_deserialize(self->handle, data.buf, (size_t)data.len) : -1;
    PyBuffer_Release(&data);
    return status == GDOPT_OK ? Py_NewRef(Py_None) : status < 0 ? NULL : raise_status(status);
}

static PyMethodDef Optimizer_methods[] = {
    {"set", (PyCFunction)Optimizer_set, METH_VARARGS, "set(name, value): set a hyperparameter by its torch name."},
    {"get", (PyCFunction)Optimizer_get, METH_VARARGS, "get(name) -> float: read a hyperparameter."},
    {"step", (PyCFunction)Optimizer_step, METH_VARARGS,
     "step(params, grads): update each params[i] in place from grads[i]; pair i is slot i."},
    {"reset", (PyCFunction)Optimizer_reset, METH_NOARGS, "reset(): forget every slot's state."},
    {"save", (PyCFunction)Optimizer_save, METH_VARARGS, "save(path): write a crash-safe checkpoint."},
    {"load", (PyCFunction)Optimizer_load, METH_VARARGS, "load(path): restore a checkpoint of the same kind."},
    {"serialize", (PyCFunction)Optimizer_serialize, METH_NOARGS, "serialize() -> bytes: the checkpoint bytes."},
    {"deserialize", (PyCFunction)Optimizer_deserialize, METH_VARARGS, "deserialize(data): restore from checkpoint bytes."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject OptimizerType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "gdopt._gdopt.Optimizer",
    .tp_basicsize = sizeof(Optimizer),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "Optimizer(kind): a gdopt optimizer handle (sgd, adagrad, rmsprop, adam, adamw).",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Optimizer_init,
    .tp_dealloc = (destructor)Optimizer_dealloc,
    .tp_methods = Optimizer_methods,
};

/* ---- Functions ----------------------------------------------------------------------- */

static PyObject *shuffle(PyObject *module, PyObject *args) {
    (void)module;
    unsigned long long seed, epoch;
    Py_buffer out;
    if (!PyArg_ParseTuple(args, "KKw*", &seed, &epoch, &out)) return NULL;
    if (out.itemsize != (Py_ssize_t)sizeof(size_t) || !PyBuffer_IsContiguous(&out, 'C')) {
        PyBuffer_Release(&out);
        PyErr_SetString(PyExc_TypeError, "perm must be a contiguous array of 8-byte integers");
        return NULL;
    }
    gdopt_status status = gdopt_shuffle(seed, epoch, out.buf, (size_t)(out.len / out.itemsize));
    PyBuffer_Release(&out);
    return status == GDOPT_OK ? Py_NewRef(Py_None) : raise_status(status);
}

static PyObject *clip_grad_norm(PyObject *module, PyObject *args) {
    (void)module;
    PyObject *list_obj;
    double max_norm, total = 0;
    if (!PyArg_ParseTuple(args, "Od", &list_obj, &max_norm)) return NULL;
    PyObject *list = PySequence_Fast(list_obj, "grads must be an array or a list of arrays");
    if (!list) return NULL;
    Py_ssize_t count = PySequence_Fast_GET_SIZE(list);
    Array *arrays = PyMem_Calloc(count > 0 ? (size_t)count : 1, sizeof *arrays);
    void **pointers = PyMem_Calloc(count > 0 ? (size_t)count : 1, sizeof *pointers);
    size_t *lens = PyMem_Calloc(count > 0 ? (size_t)count : 1, sizeof *lens);
    PyObject *result = NULL;
    if (!arrays || !pointers || !lens) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        if (!acquire(PySequence_Fast_GET_ITEM(list, i), &arrays[i], 1, "grads", i)) goto done;
        if (arrays[i].is_double != arrays[0].is_double) {
            PyErr_Format(PyExc_TypeError, "grads[%zd] has another dtype than grads[0]; clip one dtype at a time", i);
            goto done;
        }
        pointers[i] = arrays[i].view.buf;
        lens[i] = arrays[i].n;
    }
    gdopt_status status = count > 0 && arrays[0].is_double
        ? gdopt_clip_grad_norm_f64((double *const *)pointers, lens, (size_t)count, max_norm, &total)
        : gdopt_clip_grad_norm_f32((float *const *)pointers, lens, (size_t)count, max_norm, &total);
    result = status == GDOPT_OK ? PyFloat_FromDouble(total) : raise_status(status);
done:
    if (arrays) release(arrays, count);
    PyMem_Free(arrays);
    PyMem_Free(pointers);
    PyMem_Free(lens);
    Py_DECREF(list);
    return result;
}

static PyObject *set_num_threads(PyObject *module, PyObject *args) {
    (void)module;
    int k;
    if (!PyArg_ParseTuple(args, "i", &k)) return NULL;
    gdopt_status status = gdopt_set_num_threads(k);
    return status == GDOPT_OK ? Py_NewRef(Py_None) : raise_status(status);
}

static PyObject *version(PyObject *module, PyObject *unused) {
    (void)module;
    (void)unused;
    return PyUnicode_FromString(gdopt_version());
}

static PyMethodDef functions[] = {
    {"shuffle", shuffle, METH_VARARGS, "shuffle(seed, epoch, perm): fill perm with gdopt_shuffle's permutation."},
    {"clip_grad_norm", clip_grad_norm, METH_VARARGS, "clip_grad_norm(grads, max_norm) -> float: total norm before clipping."},
    {"set_num_threads", set_num_threads, METH_VARARGS, "set_num_threads(k): threads for large steps (0 = automatic)."},
    {"version", version, METH_NOARGS, "version() -> str: the loaded library's version."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, .m_name = "_gdopt", .m_doc = "Thin binding of libgdopt's C ABI.", .m_size = -1,
    .m_methods = functions,
};

PyMODINIT_FUNC PyInit__gdopt(void) {
    if (gdopt_abi_version() != GDOPT_ABI_VERSION) {
        PyErr_Format(PyExc_ImportError, "libgdopt has ABI %d, this extension was built for %d", gdopt_abi_version(),
                     GDOPT_ABI_VERSION);
        return NULL;
    }
    if (PyType_Ready(&OptimizerType) < 0) return NULL;
    PyObject *module = PyModule_Create(&module_def);
    if (!module) return NULL;
    NonFiniteError = PyErr_NewExceptionWithDoc("gdopt.NonFiniteError",
                                               "A step was rejected because the gradients hold NaN or Inf "
                                               "(reject_nonfinite=True); nothing was changed.",
                                               PyExc_ValueError, NULL);
    if (!NonFiniteError || PyModule_AddObjectRef(module, "NonFiniteError", NonFiniteError) < 0 ||
        PyModule_AddObjectRef(module, "Optimizer", (PyObject *)&OptimizerType) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}

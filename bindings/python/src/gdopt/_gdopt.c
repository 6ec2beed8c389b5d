/* _gdopt: the thin CPython layer over libgdopt's C ABI. It reads arrays through the
 * buffer protocol (no numpy C API), never copies them, releases the GIL for large steps,
 * and turns gdopt statuses into Python exceptions carrying gdopt_last_error(). All the
 * optimizer logic is in the library; the friendly API is in __init__.py. */
#include "_gdopt.h"

#include <string.h>

PyObject *NonFiniteError;

PyObject *raise_status(gdopt_status status) {
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

void release(Array *arrays, Py_ssize_t count) {
    for (Py_ssize_t i = 0; i < count; i++)
        if (arrays[i].acquired) {
            PyBuffer_Release(&arrays[i].view);
            arrays[i].acquired = 0;
        }
}

/* Reads one argument as a contiguous float32/float64 buffer, or raises TypeError or
 * ValueError naming it ("params[1]", or "x" when index < 0). Never copies: a copy would
 * break the in-place contract. */
/* The argument's name for a message, "params[1]" or "x": formatted only when one is raised. */
static const char *labelled(char label[80], const char *name, Py_ssize_t index) {
    if (index >= 0)
        snprintf(label, 80, "%s[%zd]", name, index);
    else
        snprintf(label, 80, "%s", name);
    return label;
}

int acquire(PyObject *obj, Array *a, int flags, const char *name, Py_ssize_t index) {
    int writable = flags & 1;
    memset(a, 0, sizeof *a);
    char buffer[80];
    if (!PyObject_CheckBuffer(obj)) {
        PyErr_Format(PyExc_TypeError, "%s must be a float32 or float64 numpy array, got %.100s",
                     labelled(buffer, name, index), Py_TYPE(obj)->tp_name);
        return 0;
    }
    if (PyObject_GetBuffer(obj, &a->view, PyBUF_RECORDS_RO) != 0) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "%s does not expose a typed buffer", labelled(buffer, name, index));
        return 0;
    }
    a->acquired = 1;
    const char *format = a->view.format ? a->view.format : "B";
    if (*format == '@' || *format == '=' || *format == '<') format++;
    if (a->view.ndim == 0 && !(flags & ALLOW_SCALAR)) {
        PyErr_Format(PyExc_ValueError, "%s is 0-d; pass an array with at least one element per dimension",
                     labelled(buffer, name, index));
    } else if (!PyBuffer_IsContiguous(&a->view, 'C')) {
        PyErr_Format(PyExc_TypeError,
                     "%s is not C-contiguous; gdopt updates arrays in place and never copies them "
                     "(make it contiguous with np.ascontiguousarray and keep using the result)",
                     labelled(buffer, name, index));
    } else if (!((strcmp(format, "f") == 0 && a->view.itemsize == 4) ||
                 (strcmp(format, "d") == 0 && a->view.itemsize == 8))) {
        PyErr_Format(PyExc_TypeError, "%s has element format '%s' (itemsize %zd); expected float32 or float64",
                     labelled(buffer, name, index), a->view.format ? a->view.format : "B", a->view.itemsize);
    } else if (writable && a->view.readonly) {
        PyErr_Format(PyExc_TypeError, "%s is read-only; gdopt updates params in place", labelled(buffer, name, index));
    } else {
        a->is_double = format[0] == 'd';
        a->n = (size_t)(a->view.len / a->view.itemsize);
        return 1;
    }
    release(a, 1);
    return 0;
}

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
    gdopt_status status =
        count > 0 && arrays[0].is_double
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

static PyObject *build_info(PyObject *module, PyObject *unused) {
    (void)module;
    (void)unused;
    return PyUnicode_FromString(gdopt_build_info());
}

static PyMethodDef functions[] = {
    {"shuffle", shuffle, METH_VARARGS, "shuffle(seed, epoch, perm): fill perm with gdopt_shuffle's permutation."},
    {"clip_grad_norm", clip_grad_norm, METH_VARARGS,
     "clip_grad_norm(grads, max_norm) -> float: total norm before clipping."},
    {"set_num_threads", set_num_threads, METH_VARARGS, "set_num_threads(k): threads for large steps (0 = automatic)."},
    {"version", version, METH_NOARGS, "version() -> str: the loaded library's version."},
    {"build_info", build_info, METH_NOARGS, "build_info() -> str: gdopt_build_info()."},
    {"numerical_gradient", numerical_gradient, METH_VARARGS,
     "numerical_gradient(f, x, h, out): centred differences of f(x_view, None) into out."},
    {"gradcheck", gradcheck, METH_VARARGS, "gradcheck(f, x, h) -> tuple: gdopt_gradcheck's result fields."},
    {"kernel_update", kernel_update, METH_VARARGS,
     "kernel_update(kind, arrays, names, t, hyperparameters): one stateless kernel call (gdopt.kernels)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, .m_name = "_gdopt",     .m_doc = "Thin binding of libgdopt's C ABI.",
    .m_size = -1,          .m_methods = functions,
};

PyMODINIT_FUNC PyInit__gdopt(void) {
    if (gdopt_abi_version() != GDOPT_ABI_VERSION) {
        PyErr_Format(PyExc_ImportError, "libgdopt has ABI %d, this extension was built for %d", gdopt_abi_version(),
                     GDOPT_ABI_VERSION);
        return NULL;
    }
    if (PyType_Ready(&OptimizerType) < 0 || PyType_Ready(&TapeType) < 0 || PyType_Ready(&ScheduleType) < 0 ||
        PyType_Ready(&SolverType) < 0)
        return NULL;
    PyObject *module = PyModule_Create(&module_def);
    if (!module) return NULL;
    NonFiniteError = PyErr_NewExceptionWithDoc("gdopt.NonFiniteError",
                                               "A step was rejected because the gradients hold NaN or Inf "
                                               "(reject_nonfinite=True); nothing was changed.",
                                               PyExc_ValueError, NULL);
    if (!NonFiniteError || PyModule_AddObjectRef(module, "NonFiniteError", NonFiniteError) < 0 ||
        PyModule_AddObjectRef(module, "Optimizer", (PyObject *)&OptimizerType) < 0 ||
        PyModule_AddObjectRef(module, "Tape", (PyObject *)&TapeType) < 0 ||
        PyModule_AddObjectRef(module, "Schedule", (PyObject *)&ScheduleType) < 0 ||
        PyModule_AddObjectRef(module, "Solver", (PyObject *)&SolverType) < 0 ||
        PyModule_AddFunctions(module, table_functions) < 0 || add_code_constants(module) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}

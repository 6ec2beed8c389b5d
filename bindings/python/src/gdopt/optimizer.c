/* The Optimizer type: one gdopt_optimizer handle. */
#include "_gdopt.h"

#include <string.h>

/* Steps of at least this many elements run without the GIL. */
enum { RELEASE_GIL_ABOVE = 16384 };

typedef struct {
    PyObject_HEAD gdopt_optimizer *handle;
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

/* Arrays are C-contiguous, so two may share memory exactly when their byte ranges meet
 * (what np.may_share_memory tells). A position's own params and grads may be one array. */
static int disjoint(const Array *arrays, Py_ssize_t count) {
    for (Py_ssize_t a = 0; a < 2 * count; a++) {
        const char *a_start = arrays[a].view.buf, *a_end = a_start + arrays[a].view.len;
        for (Py_ssize_t b = a + 1; b < 2 * count; b++) {
            const char *b_start = arrays[b].view.buf, *b_end = b_start + arrays[b].view.len;
            if (a / 2 == b / 2 || a_end <= b_start || b_end <= a_start) continue;
            PyErr_Format(PyExc_ValueError, "%s[%zd] and %s[%zd] share memory; each position needs arrays of its own",
                         a % 2 ? "grads" : "params", a / 2, b % 2 ? "grads" : "params", b / 2);
            return 0;
        }
    }
    return 1;
}

/* step(params, grads, slots=None): two arrays, or two sequences of arrays of equal length;
 * pair i is slot i, or slot slots[i] when a sequence of slot numbers is given. Every pair is checked (buffers, overlap,
 * then gdopt_optimizer_check_*, which also holds each slot's new state) before any is stepped. The common single-array
 * call allocates nothing. */
static PyObject *Optimizer_step(Optimizer *self, PyObject *args) {
    PyObject *params_obj, *grads_obj, *slots_obj = Py_None;
    if (!PyArg_ParseTuple(args, "OO|O", &params_obj, &grads_obj, &slots_obj) || !usable(self)) return NULL;
    int single = PyObject_CheckBuffer(params_obj) || params_obj == Py_None;
    PyObject *params = single ? PyTuple_Pack(1, params_obj)
                              : PySequence_Fast(params_obj, "params must be an array or a list of arrays");
    if (!params) return NULL;
    PyObject *grads =
        single ? PyTuple_Pack(1, grads_obj) : PySequence_Fast(grads_obj, "grads must be an array or a list of arrays");
    if (!grads) {
        Py_DECREF(params);
        return NULL;
    }
    PyObject *result = NULL, *slots = NULL;
    Py_ssize_t count = PySequence_Fast_GET_SIZE(params);
    Array few[8];
    Array *arrays = NULL;
    size_t few_slots[4], *slot_ids = NULL;
    if (slots_obj != Py_None) {
        slots = PySequence_Fast(slots_obj, "slots must be a sequence of slot numbers");
        if (!slots) goto done;
        if (PySequence_Fast_GET_SIZE(slots) != count) {
            PyErr_Format(PyExc_ValueError, "slots has %zd numbers but params has %zd arrays",
                         PySequence_Fast_GET_SIZE(slots), count);
            goto done;
        }
    }
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
    slot_ids = count <= 4 ? few_slots : PyMem_Calloc((size_t)count, sizeof *slot_ids);
    if (!slot_ids) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        slot_ids[i] = slots ? PyLong_AsSize_t(PySequence_Fast_GET_ITEM(slots, i)) : (size_t)i;
        if (slot_ids[i] == (size_t)-1 && PyErr_Occurred()) goto done;
    }
    size_t total = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        Array *p = &arrays[2 * i], *g = &arrays[2 * i + 1];
        if (!acquire(PySequence_Fast_GET_ITEM(params, i), p, 1, "params", i) ||
            !acquire(PySequence_Fast_GET_ITEM(grads, i), g, 0, "grads", i))
            goto done;
        if (p->is_double != g->is_double) {
            PyErr_Format(PyExc_TypeError, "grads[%zd] is %s but params[%zd] is %s", i,
                         g->is_double ? "float64" : "float32", i, p->is_double ? "float64" : "float32");
            goto done;
        }
        if (p->n != g->n) {
            PyErr_Format(PyExc_ValueError, "grads[%zd] has %zu elements but params[%zd] has %zu", i, g->n, i, p->n);
            goto done;
        }
        /* A single step is atomic by itself; several are checked together first. */
        gdopt_status status =
            count == 1     ? GDOPT_OK
            : p->is_double ? gdopt_optimizer_check_f64(self->handle, slot_ids[i], p->view.buf, g->view.buf, p->n)
                           : gdopt_optimizer_check_f32(self->handle, slot_ids[i], p->view.buf, g->view.buf, p->n);
        if (status != GDOPT_OK) {
            raise_status(status);
            goto done;
        }
        total += p->n;
    }
    if (!disjoint(arrays, count)) goto done;
    gdopt_status status = GDOPT_OK;
    self->busy = 1;
    PyThreadState *saved = total >= RELEASE_GIL_ABOVE ? PyEval_SaveThread() : NULL;
    for (Py_ssize_t i = 0; i < count && status == GDOPT_OK; i++) {
        Array *p = &arrays[2 * i], *g = &arrays[2 * i + 1];
        status = p->is_double ? gdopt_optimizer_step_f64(self->handle, slot_ids[i], p->view.buf, g->view.buf, p->n)
                              : gdopt_optimizer_step_f32(self->handle, slot_ids[i], p->view.buf, g->view.buf, p->n);
    }
    if (saved) PyEval_RestoreThread(saved);
    self->busy = 0;
    result = status == GDOPT_OK ? Py_NewRef(Py_None) : raise_status(status);
done:
    if (arrays) release(arrays, count * 2);
    if (arrays != few) PyMem_Free(arrays);
    if (slot_ids != few_slots) PyMem_Free(slot_ids);
    Py_XDECREF(slots);
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

/* save(path) and load(path): one path argument (str or os.PathLike). */
static PyObject *with_path(Optimizer *self, PyObject *args, int saving) {
    PyObject *path = NULL;
    if (!PyArg_ParseTuple(args, "O&", PyUnicode_FSConverter, &path)) return NULL;
    gdopt_status status = -1;
    if (usable(self))
        status = saving ? gdopt_optimizer_save(self->handle, PyBytes_AS_STRING(path))
                        : gdopt_optimizer_load(self->handle, PyBytes_AS_STRING(path));
    Py_DECREF(path);
    return status == GDOPT_OK ? Py_NewRef(Py_None) : status < 0 ? NULL : raise_status(status);
}

static PyObject *Optimizer_save(Optimizer *self, PyObject *args) {
    return with_path(self, args, 1);
}
static PyObject *Optimizer_load(Optimizer *self, PyObject *args) {
    return with_path(self, args, 0);
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

/* ---- Slot state by torch's buffer names (gdopt_optimizer_slots and friends) ---------- */

static PyObject *Optimizer_slots(Optimizer *self, PyObject *unused) {
    (void)unused;
    size_t count = 0;
    if (!usable(self)) return NULL;
    gdopt_status status = gdopt_optimizer_slots(self->handle, NULL, 0, &count);
    if (status != GDOPT_OK) return raise_status(status);
    size_t *ids = PyMem_Malloc((count ? count : 1) * sizeof *ids);
    if (!ids) return PyErr_NoMemory();
    status = count ? gdopt_optimizer_slots(self->handle, ids, count, &count) : GDOPT_OK;
    PyObject *result = status == GDOPT_OK ? PyTuple_New((Py_ssize_t)count) : raise_status(status);
    for (size_t i = 0; result && i < count; i++) {
        PyObject *id = PyLong_FromSize_t(ids[i]);
        if (!id)
            Py_CLEAR(result);
        else
            PyTuple_SET_ITEM(result, (Py_ssize_t)i, id);
    }
    PyMem_Free(ids);
    return result;
}

/* slot_info(slot) -> (dtype code, buffer mask, n, step) */
static PyObject *Optimizer_slot_info(Optimizer *self, PyObject *args) {
    unsigned long long slot;
    gdopt_slot_info info;
    if (!PyArg_ParseTuple(args, "K", &slot) || !usable(self)) return NULL;
    gdopt_status status = gdopt_optimizer_slot_info(self->handle, slot, &info);
    if (status != GDOPT_OK) return raise_status(status);
    return Py_BuildValue("(iInK)", (int)info.dtype, (unsigned)info.buffers, (Py_ssize_t)info.n,
                         (unsigned long long)info.step);
}

/* state_get(slot, name, out): copies a buffer into the writable array out. */
static PyObject *Optimizer_state_get(Optimizer *self, PyObject *args) {
    unsigned long long slot;
    const char *name;
    PyObject *out_obj;
    Array out;
    if (!PyArg_ParseTuple(args, "KsO", &slot, &name, &out_obj) || !usable(self)) return NULL;
    if (!acquire(out_obj, &out, 1, "out", -1)) return NULL;
    gdopt_status status = out.is_double ? gdopt_optimizer_state_get_f64(self->handle, slot, name, out.view.buf, out.n)
                                        : gdopt_optimizer_state_get_f32(self->handle, slot, name, out.view.buf, out.n);
    release(&out, 1);
    return status == GDOPT_OK ? Py_NewRef(Py_None) : raise_status(status);
}

/* state_set(slot, step, is_double, n, names, arrays): replaces the slot's whole state. */
static PyObject *Optimizer_state_set(Optimizer *self, PyObject *args) {
    unsigned long long slot, step;
    Py_ssize_t n;
    int is_double;
    PyObject *names_obj, *arrays_obj;
    if (!PyArg_ParseTuple(args, "KKpnO!O!", &slot, &step, &is_double, &n, &PyTuple_Type, &names_obj, &PyTuple_Type,
                          &arrays_obj) ||
        !usable(self))
        return NULL;
    Py_ssize_t count = PyTuple_GET_SIZE(names_obj);
    if (PyTuple_GET_SIZE(arrays_obj) != count) {
        PyErr_SetString(PyExc_ValueError, "names and arrays differ in length");
        return NULL;
    }
    Array *arrays = PyMem_Calloc((size_t)count + 1, sizeof *arrays);
    const char **names = PyMem_Calloc((size_t)count + 1, sizeof *names);
    const void **buffers = PyMem_Calloc((size_t)count + 1, sizeof *buffers);
    PyObject *result = NULL;
    Py_ssize_t acquired = 0;
    if (!arrays || !names || !buffers) {
        PyErr_NoMemory();
        goto done;
    }
    for (; acquired < count; acquired++) {
        names[acquired] = PyUnicode_AsUTF8(PyTuple_GET_ITEM(names_obj, acquired));
        if (!names[acquired] ||
            !acquire(PyTuple_GET_ITEM(arrays_obj, acquired), &arrays[acquired], 0, "state", acquired))
            goto done;
        buffers[acquired] = arrays[acquired].view.buf;
        if (arrays[acquired].is_double != is_double) {
            PyErr_Format(PyExc_TypeError, "state[%zd] has the other dtype", acquired++);
            goto done;
        }
    }
    gdopt_status status = is_double ? gdopt_optimizer_state_set_f64(self->handle, slot, step, (size_t)n, names,
                                                                    (const double *const *)buffers, (size_t)count)
                                    : gdopt_optimizer_state_set_f32(self->handle, slot, step, (size_t)n, names,
                                                                    (const float *const *)buffers, (size_t)count);
    result = status == GDOPT_OK ? Py_NewRef(Py_None) : raise_status(status);
done:
    if (arrays) release(arrays, acquired);
    PyMem_Free(arrays);
    PyMem_Free(names);
    PyMem_Free(buffers);
    return result;
}

/* scalar_get(slot, name) -> float: one of a slot's scalar state values. */
static PyObject *Optimizer_scalar_get(Optimizer *self, PyObject *args) {
    unsigned long long slot;
    const char *name;
    double value = 0;
    if (!PyArg_ParseTuple(args, "Ks", &slot, &name) || !usable(self)) return NULL;
    gdopt_status status = gdopt_optimizer_scalar_get(self->handle, slot, name, &value);
    return status == GDOPT_OK ? PyFloat_FromDouble(value) : raise_status(status);
}

/* scalar_set(slot, name, value): sets one of a slot's scalar state values. */
static PyObject *Optimizer_scalar_set(Optimizer *self, PyObject *args) {
    unsigned long long slot;
    const char *name;
    double value;
    if (!PyArg_ParseTuple(args, "Ksd", &slot, &name, &value) || !usable(self)) return NULL;
    gdopt_status status = gdopt_optimizer_scalar_set(self->handle, slot, name, value);
    return status == GDOPT_OK ? Py_NewRef(Py_None) : raise_status(status);
}

/* set_shape(slot, rows, cols): a slot's shape before its first step. */
static PyObject *Optimizer_set_shape(Optimizer *self, PyObject *args) {
    unsigned long long slot;
    Py_ssize_t rows, cols;
    if (!PyArg_ParseTuple(args, "Knn", &slot, &rows, &cols) || !usable(self)) return NULL;
    if (rows < 0 || cols < 0) {
        PyErr_SetString(PyExc_ValueError, "rows and cols must be > 0");
        return NULL;
    }
    gdopt_status status = gdopt_optimizer_set_shape(self->handle, slot, (size_t)rows, (size_t)cols);
    return status == GDOPT_OK ? Py_NewRef(Py_None) : raise_status(status);
}

/* slot_shape(slot) -> (rows, cols): a slot's factored shape, (0, 0) when not factored. */
static PyObject *Optimizer_slot_shape(Optimizer *self, PyObject *args) {
    unsigned long long slot;
    size_t rows = 0, cols = 0;
    if (!PyArg_ParseTuple(args, "K", &slot) || !usable(self)) return NULL;
    gdopt_status status = gdopt_optimizer_slot_shape(self->handle, slot, &rows, &cols);
    return status == GDOPT_OK ? Py_BuildValue("(nn)", (Py_ssize_t)rows, (Py_ssize_t)cols) : raise_status(status);
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
    {"deserialize", (PyCFunction)Optimizer_deserialize, METH_VARARGS,
     "deserialize(data): restore from checkpoint bytes."},
    {"slots", (PyCFunction)Optimizer_slots, METH_NOARGS, "slots() -> tuple: the ids of the slots with state."},
    {"slot_info", (PyCFunction)Optimizer_slot_info, METH_VARARGS,
     "slot_info(slot) -> (dtype code, buffer mask, n, step)."},
    {"state_get", (PyCFunction)Optimizer_state_get, METH_VARARGS,
     "state_get(slot, name, out): copy a state buffer into out."},
    {"state_set", (PyCFunction)Optimizer_state_set, METH_VARARGS,
     "state_set(slot, step, is_double, n, names, arrays): replace a slot's whole state."},
    {"scalar_get", (PyCFunction)Optimizer_scalar_get, METH_VARARGS, "scalar_get(slot, name) -> float."},
    {"scalar_set", (PyCFunction)Optimizer_scalar_set, METH_VARARGS, "scalar_set(slot, name, value)."},
    {"set_shape", (PyCFunction)Optimizer_set_shape, METH_VARARGS, "set_shape(slot, rows, cols)."},
    {"slot_shape", (PyCFunction)Optimizer_slot_shape, METH_VARARGS, "slot_shape(slot) -> (rows, cols)."},
    {NULL, NULL, 0, NULL},
};

PyTypeObject OptimizerType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "gdopt._gdopt.Optimizer",
    .tp_basicsize = sizeof(Optimizer),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "Optimizer(kind): a gdopt optimizer handle of any kind optimizer_kinds() lists.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Optimizer_init,
    .tp_dealloc = (destructor)Optimizer_dealloc,
    .tp_methods = Optimizer_methods,
};

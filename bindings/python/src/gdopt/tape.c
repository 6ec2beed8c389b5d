/* The Tape type: one gdopt_tape handle. Node ids are plain ints; the Python layer
 * (_tape.py) wraps them with operators. */
#include "_gdopt.h"

#include <string.h>

typedef struct {
    PyObject_HEAD gdopt_tape *handle;
    int is_double;
} Tape;

static int Tape_init(Tape *self, PyObject *args, PyObject *kwds) {
    static char *keywords[] = {"dtype", NULL};
    int dtype;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "i", keywords, &dtype)) return -1;
    gdopt_tape_destroy(self->handle);
    self->handle = NULL;
    gdopt_status status = gdopt_tape_create(dtype, &self->handle);
    if (status != GDOPT_OK) {
        raise_status(status);
        return -1;
    }
    self->is_double = dtype == GDOPT_F64;
    return 0;
}

static void Tape_dealloc(Tape *self) {
    gdopt_tape_destroy(self->handle);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *done(gdopt_status status) {
    return status == GDOPT_OK ? Py_NewRef(Py_None) : raise_status(status);
}

/* Takes the node by pointer: it must be read after the call that writes it. */
static PyObject *node_or_error(gdopt_status status, const gdopt_node *node) {
    return status == GDOPT_OK ? PyLong_FromLongLong(*node) : raise_status(status);
}

static PyObject *Tape_clear(Tape *self, PyObject *unused) {
    (void)unused;
    return done(gdopt_tape_clear(self->handle));
}

/* leaf(array, variable): the array's shape and a copy of its data become a node. */
static PyObject *Tape_leaf(Tape *self, PyObject *args) {
    PyObject *obj;
    int variable;
    if (!PyArg_ParseTuple(args, "Op", &obj, &variable)) return NULL;
    Array a;
    if (!acquire(obj, &a, ALLOW_SCALAR, "data", -1)) return NULL;
    if (a.is_double != self->is_double) {
        release(&a, 1);
        PyErr_Format(PyExc_TypeError, "the tape holds %s values, got a %s array; convert it with astype",
                     self->is_double ? "float64" : "float32", a.is_double ? "float64" : "float32");
        return NULL;
    }
    size_t shape[64];
    size_t rank = (size_t)a.view.ndim;
    for (size_t axis = 0; axis < rank && axis < 64; axis++) shape[axis] = (size_t)a.view.shape[axis];
    gdopt_node node = -1;
    gdopt_status status;
    if (self->is_double)
        status = (variable ? gdopt_tape_variable_f64 : gdopt_tape_constant_f64)(self->handle, a.view.buf, rank, shape,
                                                                                &node);
    else
        status = (variable ? gdopt_tape_variable_f32 : gdopt_tape_constant_f32)(self->handle, a.view.buf, rank, shape,
                                                                                &node);
    release(&a, 1);
    return node_or_error(status, &node);
}

static PyObject *Tape_unary(Tape *self, PyObject *args) {
    int op;
    long long x;
    if (!PyArg_ParseTuple(args, "iL", &op, &x)) return NULL;
    gdopt_node node = -1;
    gdopt_status status = gdopt_tape_unary(self->handle, op, x, &node);
    return node_or_error(status, &node);
}

static PyObject *Tape_binary(Tape *self, PyObject *args) {
    int op;
    long long a, b;
    if (!PyArg_ParseTuple(args, "iLL", &op, &a, &b)) return NULL;
    gdopt_node node = -1;
    gdopt_status status = gdopt_tape_binary(self->handle, op, a, b, &node);
    return node_or_error(status, &node);
}

/* loss(kind, scores, labels): labels is a 1-D C-contiguous int64 buffer. */
static PyObject *Tape_loss(Tape *self, PyObject *args) {
    int kind;
    long long scores;
    Py_buffer labels;
    if (!PyArg_ParseTuple(args, "iLy*", &kind, &scores, &labels)) return NULL;
    gdopt_node node = -1;
    gdopt_status status = GDOPT_OK;
    if (labels.itemsize != 8 || labels.len % 8 != 0) {
        PyBuffer_Release(&labels);
        PyErr_SetString(PyExc_TypeError, "labels must be int64");
        return NULL;
    }
    status = gdopt_tape_loss(self->handle, kind, scores, labels.buf, (size_t)(labels.len / 8), &node);
    PyBuffer_Release(&labels);
    return node_or_error(status, &node);
}

static PyObject *Tape_backward(Tape *self, PyObject *args) {
    long long root;
    if (!PyArg_ParseTuple(args, "L", &root)) return NULL;
    return done(gdopt_tape_backward(self->handle, root));
}

static PyObject *Tape_shape(Tape *self, PyObject *args) {
    long long x;
    if (!PyArg_ParseTuple(args, "L", &x)) return NULL;
    size_t rank = 0, shape[8];
    gdopt_status status = gdopt_tape_shape(self->handle, x, &rank, shape);
    if (status != GDOPT_OK) return raise_status(status);
    PyObject *tuple = PyTuple_New((Py_ssize_t)rank);
    for (size_t axis = 0; tuple && axis < rank; axis++) PyTuple_SET_ITEM(tuple, axis, PyLong_FromSize_t(shape[axis]));
    return tuple;
}

/* read(x, out, gradient): copies the value (or gradient) of x into the writable array out. */
static PyObject *Tape_read(Tape *self, PyObject *args) {
    long long x;
    PyObject *obj;
    int gradient;
    if (!PyArg_ParseTuple(args, "LOp", &x, &obj, &gradient)) return NULL;
    Array out;
    if (!acquire(obj, &out, 1 | ALLOW_SCALAR, "out", -1)) return NULL;
    gdopt_status status;
    if (out.is_double)
        status = (gradient ? gdopt_tape_grad_f64 : gdopt_tape_value_f64)(self->handle, x, out.view.buf, out.n);
    else
        status = (gradient ? gdopt_tape_grad_f32 : gdopt_tape_value_f32)(self->handle, x, out.view.buf, out.n);
    release(&out, 1);
    return done(status);
}

/* The leaf's recorded shape against the array's: the library checks only the element count. */
static int same_shape(Tape *self, long long node, const Array *a, const char *name, Py_ssize_t index) {
    size_t rank = 0, shape[8];
    gdopt_status status = gdopt_tape_shape(self->handle, node, &rank, shape);
    if (status != GDOPT_OK) {
        raise_status(status);
        return 0;
    }
    int same = (size_t)a->view.ndim == rank;
    for (size_t axis = 0; same && axis < rank; axis++) same = (size_t)a->view.shape[axis] == shape[axis];
    if (!same)
        PyErr_Format(PyExc_ValueError, "%s[%zd] does not have the shape node %lld was recorded with", name, index,
                     node);
    return same;
}

/* replay(root, nodes, data, grads, losses, labels) -> float: data[i] and grads[i] are arrays or None for
 * nodes[i]; labels[j] is a 1-D int64 array for losses[j]. Every array is checked before the one library call. */
static PyObject *Tape_replay(Tape *self, PyObject *args) {
    long long root;
    PyObject *nodes_obj, *data_obj, *grads_obj, *losses_obj, *labels_obj;
    if (!PyArg_ParseTuple(args, "LOOOOO", &root, &nodes_obj, &data_obj, &grads_obj, &losses_obj, &labels_obj))
        return NULL;
    PyObject *result = NULL, *nodes = NULL, *data = NULL, *grads = NULL, *losses = NULL, *labels = NULL;
    Array *arrays = NULL;
    Py_buffer *views = NULL;
    void *feeds = NULL; /* gdopt_feed_f32 or gdopt_feed_f64, the tape's */
    gdopt_labels *label_feeds = NULL;
    Py_ssize_t count = 0, loss_count = 0, acquired_views = 0;
    if (!(nodes = PySequence_Fast(nodes_obj, "nodes must be a sequence")) ||
        !(data = PySequence_Fast(data_obj, "data must be a sequence")) ||
        !(grads = PySequence_Fast(grads_obj, "grads must be a sequence")) ||
        !(losses = PySequence_Fast(losses_obj, "losses must be a sequence")) ||
        !(labels = PySequence_Fast(labels_obj, "labels must be a sequence")))
        goto done;
    count = PySequence_Fast_GET_SIZE(nodes);
    loss_count = PySequence_Fast_GET_SIZE(losses);
    if (PySequence_Fast_GET_SIZE(data) != count || PySequence_Fast_GET_SIZE(grads) != count ||
        PySequence_Fast_GET_SIZE(labels) != loss_count) {
        PyErr_SetString(PyExc_ValueError, "nodes, data and grads (and losses and labels) must have equal lengths");
        goto done;
    }
    arrays = PyMem_Calloc((size_t)(2 * count + 1), sizeof *arrays);
    feeds = PyMem_Calloc((size_t)count + 1, sizeof(gdopt_feed_f64)); /* the larger, if they ever differ */
    views = PyMem_Calloc((size_t)loss_count + 1, sizeof *views);
    label_feeds = PyMem_Calloc((size_t)loss_count + 1, sizeof *label_feeds);
    if (!arrays || !feeds || !views || !label_feeds) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        gdopt_node node = PyLong_AsLongLong(PySequence_Fast_GET_ITEM(nodes, i));
        if (node == -1 && PyErr_Occurred()) goto done;
        PyObject *source = PySequence_Fast_GET_ITEM(data, i), *out = PySequence_Fast_GET_ITEM(grads, i);
        Array *a = &arrays[2 * i], *g = &arrays[2 * i + 1];
        if (source != Py_None &&
            (!acquire(source, a, ALLOW_SCALAR, "data", i) || !same_shape(self, node, a, "data", i)))
            goto done;
        if (out != Py_None &&
            (!acquire(out, g, 1 | ALLOW_SCALAR, "grads", i) || !same_shape(self, node, g, "grads", i)))
            goto done;
        for (Array *x = a; x <= g; x++)
            if (x->acquired && x->is_double != self->is_double) {
                PyErr_Format(PyExc_TypeError, "%s[%zd] is %s, the tape holds %s values", x == a ? "data" : "grads", i,
                             x->is_double ? "float64" : "float32", self->is_double ? "float64" : "float32");
                goto done;
            }
        for (Py_ssize_t j = 0; g->acquired && j < i; j++) {
            const Array *h = &arrays[2 * j + 1];
            const char *g_start = g->view.buf, *h_start = h->view.buf;
            if (h->acquired && g_start < h_start + h->view.len && h_start < g_start + g->view.len) {
                PyErr_Format(PyExc_ValueError, "grads[%zd] and grads[%zd] share memory", j, i);
                goto done;
            }
        }
        void *source_buf = a->acquired ? a->view.buf : NULL, *out_buf = g->acquired ? g->view.buf : NULL;
        size_t n = a->acquired ? a->n : g->n;
        if (self->is_double)
            ((gdopt_feed_f64 *)feeds)[i] = (gdopt_feed_f64){node, source_buf, out_buf, n};
        else
            ((gdopt_feed_f32 *)feeds)[i] = (gdopt_feed_f32){node, source_buf, out_buf, n};
    }
    for (Py_ssize_t j = 0; j < loss_count; j++) {
        label_feeds[j].loss = PyLong_AsLongLong(PySequence_Fast_GET_ITEM(losses, j));
        if (label_feeds[j].loss == -1 && PyErr_Occurred()) goto done;
        if (PyObject_GetBuffer(PySequence_Fast_GET_ITEM(labels, j), &views[j], PyBUF_C_CONTIGUOUS) != 0) goto done;
        acquired_views = j + 1;
        if (views[j].itemsize != 8 || views[j].len % 8 != 0) {
            PyErr_Format(PyExc_TypeError, "labels[%zd] must be int64", j);
            goto done;
        }
        label_feeds[j].labels = views[j].buf;
        label_feeds[j].n = (size_t)(views[j].len / 8);
    }
    gdopt_status status;
    double value = 0;
    float value32 = 0;
    if (self->is_double)
        status =
            gdopt_tape_replay_f64(self->handle, root, feeds, (size_t)count, label_feeds, (size_t)loss_count, &value);
    else {
        status =
            gdopt_tape_replay_f32(self->handle, root, feeds, (size_t)count, label_feeds, (size_t)loss_count, &value32);
        value = value32;
    }
    result = status == GDOPT_OK ? PyFloat_FromDouble(value) : raise_status(status);
done:
    if (arrays) release(arrays, 2 * count);
    for (Py_ssize_t j = 0; j < acquired_views; j++) PyBuffer_Release(&views[j]);
    PyMem_Free(arrays);
    PyMem_Free(views);
    PyMem_Free(feeds);
    PyMem_Free(label_feeds);
    Py_XDECREF(nodes);
    Py_XDECREF(data);
    Py_XDECREF(grads);
    Py_XDECREF(losses);
    Py_XDECREF(labels);
    return result;
}

static PyMethodDef Tape_methods[] = {
    {"replay", (PyCFunction)Tape_replay, METH_VARARGS,
     "replay(root, nodes, data, grads, losses, labels) -> float: rerun the recorded graph with new data."},
    {"clear", (PyCFunction)Tape_clear, METH_NOARGS, "clear(): drop every node, keep the memory."},
    {"leaf", (PyCFunction)Tape_leaf, METH_VARARGS, "leaf(array, variable) -> node: record a copy of array."},
    {"unary", (PyCFunction)Tape_unary, METH_VARARGS, "unary(op, x) -> node."},
    {"binary", (PyCFunction)Tape_binary, METH_VARARGS, "binary(op, a, b) -> node."},
    {"loss", (PyCFunction)Tape_loss, METH_VARARGS, "loss(kind, scores, labels) -> node."},
    {"backward", (PyCFunction)Tape_backward, METH_VARARGS, "backward(scalar): fill the gradients."},
    {"shape", (PyCFunction)Tape_shape, METH_VARARGS, "shape(x) -> tuple."},
    {"read", (PyCFunction)Tape_read, METH_VARARGS, "read(x, out, gradient): copy x's value or gradient into out."},
    {NULL, NULL, 0, NULL},
};

PyTypeObject TapeType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "gdopt._gdopt.Tape",
    .tp_basicsize = sizeof(Tape),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Tape(dtype): a gdopt_tape handle (dtype 1 = float32, 2 = float64).",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Tape_init,
    .tp_dealloc = (destructor)Tape_dealloc,
    .tp_methods = Tape_methods,
};

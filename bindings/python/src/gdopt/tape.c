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

static PyMethodDef Tape_methods[] = {
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

/* The Schedule type: one gdopt_schedule handle. */
#include "_gdopt.h"

typedef struct {
    PyObject_HEAD gdopt_schedule *handle;
} Schedule;

static int Schedule_init(Schedule *self, PyObject *args, PyObject *kwds) {
    static char *keywords[] = {"kind", NULL};
    const char *kind;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "s", keywords, &kind)) return -1;
    gdopt_schedule_destroy(self->handle);
    self->handle = NULL;
    gdopt_status status = gdopt_schedule_create(kind, &self->handle);
    if (status != GDOPT_OK) {
        raise_status(status);
        return -1;
    }
    return 0;
}

static void Schedule_dealloc(Schedule *self) {
    gdopt_schedule_destroy(self->handle);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *Schedule_set(Schedule *self, PyObject *args) {
    const char *name;
    double value;
    if (!PyArg_ParseTuple(args, "sd", &name, &value)) return NULL;
    gdopt_status status = gdopt_schedule_set(self->handle, name, value);
    return status == GDOPT_OK ? Py_NewRef(Py_None) : raise_status(status);
}

static PyObject *Schedule_get(Schedule *self, PyObject *args) {
    const char *name;
    double value = 0;
    if (!PyArg_ParseTuple(args, "s", &name)) return NULL;
    gdopt_status status = gdopt_schedule_get(self->handle, name, &value);
    return status == GDOPT_OK ? PyFloat_FromDouble(value) : raise_status(status);
}

static PyObject *Schedule_lr(Schedule *self, PyObject *args) {
    unsigned long long step;
    double lr = 0;
    if (!PyArg_ParseTuple(args, "K", &step)) return NULL;
    gdopt_status status = gdopt_schedule_lr(self->handle, step, &lr);
    return status == GDOPT_OK ? PyFloat_FromDouble(lr) : raise_status(status);
}

static PyObject *Schedule_observe(Schedule *self, PyObject *args) {
    double metric;
    if (!PyArg_ParseTuple(args, "d", &metric)) return NULL;
    gdopt_status status = gdopt_schedule_observe(self->handle, metric);
    return status == GDOPT_OK ? Py_NewRef(Py_None) : raise_status(status);
}

static PyMethodDef Schedule_methods[] = {
    {"set", (PyCFunction)Schedule_set, METH_VARARGS, "set(name, value)."},
    {"get", (PyCFunction)Schedule_get, METH_VARARGS, "get(name) -> float."},
    {"lr", (PyCFunction)Schedule_lr, METH_VARARGS, "lr(step) -> float: the learning rate at step (from 0)."},
    {"observe", (PyCFunction)Schedule_observe, METH_VARARGS, "observe(metric): feed a plateau schedule."},
    {NULL, NULL, 0, NULL},
};

PyTypeObject ScheduleType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "gdopt._gdopt.Schedule",
    .tp_basicsize = sizeof(Schedule),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Schedule(kind): a gdopt_schedule handle.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Schedule_init,
    .tp_dealloc = (destructor)Schedule_dealloc,
    .tp_methods = Schedule_methods,
};

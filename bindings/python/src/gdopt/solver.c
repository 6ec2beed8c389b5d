/* The Solver type: one gdopt_solver handle, for gdopt.minimize (a callback run) and
 * gdopt.Minimizer (ask/tell). Arrays are float64 and never copied; exceptions from f or
 * the progress callback reach the caller unchanged. */
#include "_gdopt.h"

typedef struct {
    PyObject_HEAD gdopt_solver *handle;
} Solver;

static int Solver_init(Solver *self, PyObject *args, PyObject *kwds) {
    static char *keywords[] = {"method", NULL};
    const char *method;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "s", keywords, &method)) return -1;
    gdopt_solver_destroy(self->handle);
    self->handle = NULL;
    gdopt_status status = gdopt_solver_create(method, &self->handle);
    if (status != GDOPT_OK) {
        raise_status(status);
        return -1;
    }
    return 0;
}

static void Solver_dealloc(Solver *self) {
    gdopt_solver_destroy(self->handle);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *done(gdopt_status status) {
    return status == GDOPT_OK ? Py_NewRef(Py_None) : raise_status(status);
}

/* A float64 array argument (writable when asked), or 0 with the exception set. */
static int doubles(PyObject *obj, Array *a, int writable, const char *name) {
    if (!acquire(obj, a, writable, name, -1)) return 0;
    if (!a->is_double) {
        release(a, 1);
        PyErr_Format(PyExc_TypeError, "%s must be float64", name);
        return 0;
    }
    return 1;
}

static PyObject *Solver_set(Solver *self, PyObject *args) {
    const char *name;
    double value;
    if (!PyArg_ParseTuple(args, "sd", &name, &value)) return NULL;
    return done(gdopt_solver_set(self->handle, name, value));
}

static PyObject *Solver_get(Solver *self, PyObject *args) {
    const char *name;
    double value = 0;
    if (!PyArg_ParseTuple(args, "s", &name)) return NULL;
    gdopt_status status = gdopt_solver_get(self->handle, name, &value);
    return status == GDOPT_OK ? PyFloat_FromDouble(value) : raise_status(status);
}

/* set_bounds(lower, upper): float64 arrays of n, or both None to clear. */
static PyObject *Solver_set_bounds(Solver *self, PyObject *args) {
    PyObject *lower_obj, *upper_obj;
    if (!PyArg_ParseTuple(args, "OO", &lower_obj, &upper_obj)) return NULL;
    if (lower_obj == Py_None && upper_obj == Py_None) return done(gdopt_solver_set_bounds(self->handle, NULL, NULL, 0));
    Array lower = {0}, upper = {0};
    PyObject *result = NULL;
    if (lower_obj != Py_None && !doubles(lower_obj, &lower, 0, "lower")) return NULL;
    if (upper_obj != Py_None && !doubles(upper_obj, &upper, 0, "upper")) goto out;
    if (lower.acquired && upper.acquired && lower.n != upper.n) {
        PyErr_Format(PyExc_ValueError, "lower has %zu entries and upper %zu", lower.n, upper.n);
        goto out;
    }
    result = done(gdopt_solver_set_bounds(self->handle, lower.acquired ? lower.view.buf : NULL,
                                          upper.acquired ? upper.view.buf : NULL, lower.acquired ? lower.n : upper.n));
out:
    release(&lower, 1);
    release(&upper, 1);
    return result;
}

static int on_progress(const gdopt_progress *p, void *data) {
    Context *context = data; /* callable: the progress function */
    if (context->type) return 1;
    PyObject *result = PyObject_CallFunction(context->callable, "nnddd", (Py_ssize_t)p->iteration,
                                             (Py_ssize_t)p->evaluations, p->f, p->grad_norm, p->step);
    int stop = result ? PyObject_IsTrue(result) : -1;
    Py_XDECREF(result);
    if (stop < 0) {
        PyErr_Fetch(&context->type, &context->value, &context->traceback);
        return 1;
    }
    return stop;
}

static PyObject *result_tuple(const gdopt_result *r) {
    return Py_BuildValue("(ddnni)", r->f, r->grad_norm, (Py_ssize_t)r->iterations, (Py_ssize_t)r->evaluations,
                         r->reason);
}

/* minimize(f, x, progress) -> (f, grad_norm, nit, nfev, reason). x (float64, writable)
 * receives the best point; progress, if not None, is called as progress(iteration,
 * evaluations, f, grad_norm, step) after each iteration, and a true result stops the run. */
static PyObject *Solver_minimize(Solver *self, PyObject *args) {
    PyObject *x_obj, *progress;
    Context objective = {0}, watcher = {0};
    if (!PyArg_ParseTuple(args, "OOO", &objective.callable, &x_obj, &progress)) return NULL;
    Array x;
    if (!doubles(x_obj, &x, 1, "x")) return NULL;
    if (progress != Py_None) watcher.callable = progress;
    gdopt_status status = gdopt_solver_set_progress(self->handle, progress != Py_None ? on_progress : NULL, &watcher);
    gdopt_result r = {0};
    if (status == GDOPT_OK) status = gdopt_solver_minimize(self->handle, trampoline, &objective, x.view.buf, x.n, &r);
    gdopt_solver_set_progress(self->handle, NULL, NULL); /* the watcher lives on this stack */
    release(&x, 1);
    if (watcher.type && !objective.type) { /* the progress callback raised: re-raise that */
        objective.type = watcher.type, objective.value = watcher.value, objective.traceback = watcher.traceback;
    } else if (watcher.type) {
        Py_XDECREF(watcher.type), Py_XDECREF(watcher.value), Py_XDECREF(watcher.traceback);
    }
    return finish(&objective, status) ? result_tuple(&r) : NULL;
}

static PyObject *Solver_begin(Solver *self, PyObject *args) {
    PyObject *x_obj;
    if (!PyArg_ParseTuple(args, "O", &x_obj)) return NULL;
    Array x;
    if (!doubles(x_obj, &x, 0, "x0")) return NULL;
    gdopt_status status = gdopt_solver_begin(self->handle, x.view.buf, x.n);
    release(&x, 1);
    return done(status);
}

/* ask(x) -> task: writes the point into x (float64, writable, n). */
static PyObject *Solver_ask(Solver *self, PyObject *args) {
    PyObject *x_obj;
    if (!PyArg_ParseTuple(args, "O", &x_obj)) return NULL;
    Array x;
    if (!doubles(x_obj, &x, 1, "x")) return NULL;
    gdopt_task task = 0;
    gdopt_status status = gdopt_solver_ask(self->handle, x.view.buf, x.n, &task);
    release(&x, 1);
    return status == GDOPT_OK ? PyLong_FromLong(task) : raise_status(status);
}

/* tell(f, grad, n): grad is a float64 array of n, or None. */
static PyObject *Solver_tell(Solver *self, PyObject *args) {
    double f;
    PyObject *grad_obj;
    Py_ssize_t n;
    if (!PyArg_ParseTuple(args, "dOn", &f, &grad_obj, &n)) return NULL;
    Array grad = {0};
    if (grad_obj != Py_None) {
        if (!doubles(grad_obj, &grad, 0, "grad")) return NULL;
        n = (Py_ssize_t)grad.n;
    }
    gdopt_status status = gdopt_solver_tell(self->handle, f, grad.acquired ? grad.view.buf : NULL, (size_t)n);
    release(&grad, 1);
    return done(status);
}

static PyObject *Solver_stop(Solver *self, PyObject *unused) {
    (void)unused;
    return done(gdopt_solver_stop(self->handle));
}

/* result() -> (f, grad_norm, nit, nfev, reason, error): error is the message of a run the
 * objective ended (NaN), else None. */
static PyObject *Solver_result(Solver *self, PyObject *unused) {
    (void)unused;
    gdopt_result r = {0};
    gdopt_status status = gdopt_solver_result(self->handle, &r);
    if (status != GDOPT_OK && status != GDOPT_ERR_CALLBACK) return raise_status(status);
    return Py_BuildValue("(ddnniz)", r.f, r.grad_norm, (Py_ssize_t)r.iterations, (Py_ssize_t)r.evaluations, r.reason,
                         status == GDOPT_OK ? NULL : gdopt_last_error());
}

static PyObject *Solver_save(Solver *self, PyObject *args) {
    PyObject *path;
    if (!PyArg_ParseTuple(args, "O&", PyUnicode_FSConverter, &path)) return NULL;
    gdopt_status status = gdopt_solver_save(self->handle, PyBytes_AS_STRING(path));
    Py_DECREF(path);
    return done(status);
}

static PyObject *Solver_serialize(Solver *self, PyObject *unused) {
    (void)unused;
    size_t needed = 0;
    gdopt_status status = gdopt_solver_serialize(self->handle, NULL, 0, &needed);
    if (status != GDOPT_OK) return raise_status(status);
    PyObject *bytes = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)needed);
    if (!bytes) return NULL;
    status = gdopt_solver_serialize(self->handle, PyBytes_AS_STRING(bytes), needed, &needed);
    if (status != GDOPT_OK) {
        Py_DECREF(bytes);
        return raise_status(status);
    }
    return bytes;
}

static PyObject *Solver_deserialize(Solver *self, PyObject *args) {
    Py_buffer data;
    if (!PyArg_ParseTuple(args, "y*", &data)) return NULL;
    gdopt_status status = gdopt_solver_deserialize(self->handle, data.buf, (size_t)data.len);
    PyBuffer_Release(&data);
    return done(status);
}

static PyObject *Solver_dimension(Solver *self, PyObject *unused) {
    (void)unused;
    size_t n = 0;
    gdopt_status status = gdopt_solver_dimension(self->handle, &n);
    return status == GDOPT_OK ? PyLong_FromSize_t(n) : raise_status(status);
}

static PyMethodDef Solver_methods[] = {
    {"dimension", (PyCFunction)Solver_dimension, METH_NOARGS, "dimension() -> int: n of the run (0: none)."},
    {"set", (PyCFunction)Solver_set, METH_VARARGS, "set(name, value)."},
    {"get", (PyCFunction)Solver_get, METH_VARARGS, "get(name) -> float."},
    {"set_bounds", (PyCFunction)Solver_set_bounds, METH_VARARGS, "set_bounds(lower, upper): float64 arrays or None."},
    {"minimize", (PyCFunction)Solver_minimize, METH_VARARGS,
     "minimize(f, x, progress) -> (f, grad_norm, nit, nfev, reason)."},
    {"begin", (PyCFunction)Solver_begin, METH_VARARGS, "begin(x0): start an ask/tell run."},
    {"ask", (PyCFunction)Solver_ask, METH_VARARGS, "ask(x) -> task (1 evaluate, 2 iterate, 3 done); writes x."},
    {"tell", (PyCFunction)Solver_tell, METH_VARARGS, "tell(f, grad, n): grad may be None."},
    {"stop", (PyCFunction)Solver_stop, METH_NOARGS, "stop(): the next ask gives DONE."},
    {"result", (PyCFunction)Solver_result, METH_NOARGS, "result() -> (f, grad_norm, nit, nfev, reason, error)."},
    {"save", (PyCFunction)Solver_save, METH_VARARGS, "save(path): a crash-safe checkpoint of the run."},
    {"serialize", (PyCFunction)Solver_serialize, METH_NOARGS, "serialize() -> bytes."},
    {"deserialize", (PyCFunction)Solver_deserialize, METH_VARARGS, "deserialize(data)."},
    {NULL, NULL, 0, NULL},
};

PyTypeObject SolverType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "gdopt._gdopt.Solver",
    .tp_basicsize = sizeof(Solver),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Solver(method): a gdopt_solver handle.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Solver_init,
    .tp_dealloc = (destructor)Solver_dealloc,
    .tp_methods = Solver_methods,
};

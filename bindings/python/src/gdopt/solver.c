/* minimize(method, options, f, x, progress) -> (f, grad_norm, nit, nfev, reason): one
 * gdopt_solver run. x (float64, writable) receives the best point. progress, if not None,
 * is called as progress(iteration, evaluations, f, grad_norm, step) after each iteration; a
 * true result stops the run. Exceptions from f or progress reach the caller unchanged. */
#include "_gdopt.h"

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

PyObject *minimize(PyObject *module, PyObject *args) {
    (void)module;
    const char *method;
    PyObject *options, *x_obj, *progress;
    Context objective = {0}, watcher = {0};
    if (!PyArg_ParseTuple(args, "sO!OOO", &method, &PyDict_Type, &options, &objective.callable, &x_obj, &progress))
        return NULL;
    gdopt_solver *solver = NULL;
    gdopt_status status = gdopt_solver_create(method, &solver);
    if (status != GDOPT_OK) return raise_status(status);
    PyObject *key, *value, *result = NULL;
    Py_ssize_t position = 0;
    while (PyDict_Next(options, &position, &key, &value)) {
        const char *name = PyUnicode_AsUTF8(key);
        double number = PyFloat_AsDouble(value);
        if (!name || PyErr_Occurred()) goto done;
        status = gdopt_solver_set(solver, name, number);
        if (status != GDOPT_OK) {
            raise_status(status);
            goto done;
        }
    }
    if (progress != Py_None) {
        watcher.callable = progress;
        gdopt_solver_set_progress(solver, on_progress, &watcher);
    }
    Array x;
    if (!acquire(x_obj, &x, 1, "x", -1)) goto done;
    if (!x.is_double) {
        release(&x, 1);
        PyErr_SetString(PyExc_TypeError, "x must be float64");
        goto done;
    }
    gdopt_result r = {0};
    status = gdopt_solver_minimize(solver, trampoline, &objective, x.view.buf, x.n, &r);
    release(&x, 1);
    if (watcher.type && !objective.type) { /* the progress callback raised: re-raise that */
        objective.type = watcher.type, objective.value = watcher.value, objective.traceback = watcher.traceback;
    } else if (watcher.type) {
        Py_XDECREF(watcher.type), Py_XDECREF(watcher.value), Py_XDECREF(watcher.traceback);
    }
    if (finish(&objective, status))
        result = Py_BuildValue("(ddnni)", r.f, r.grad_norm, (Py_ssize_t)r.iterations, (Py_ssize_t)r.evaluations, r.reason);
done:
    gdopt_solver_destroy(solver);
    return result;
}

/* numerical_gradient and gradcheck with a Python objective. The objective is called as
 * f(x, grad) with memoryviews over the library's private copy of x and over the gradient
 * buffer (None when only the value is wanted). An exception it raises stops the C call
 * (the trampoline returns NaN) and is re-raised unchanged to the caller. */
#include "_gdopt.h"

#include <math.h>

double trampoline(size_t n, const double *x, double *grad, void *data) {
    Context *context = data;
    if (context->type) return NAN; /* already failed: stop */
    PyObject *xview = PyMemoryView_FromMemory((char *)x, (Py_ssize_t)(n * sizeof *x), PyBUF_READ);
    PyObject *gview =
        grad ? PyMemoryView_FromMemory((char *)grad, (Py_ssize_t)(n * sizeof *grad), PyBUF_WRITE) : Py_NewRef(Py_None);
    PyObject *result = xview && gview ? PyObject_CallFunctionObjArgs(context->callable, xview, gview, NULL) : NULL;
    Py_XDECREF(xview);
    Py_XDECREF(gview);
    double value = result ? PyFloat_AsDouble(result) : NAN;
    Py_XDECREF(result);
    if (PyErr_Occurred()) {
        PyErr_Fetch(&context->type, &context->value, &context->traceback);
        return NAN;
    }
    return value;
}

/* After the C call: re-raise what f raised, else map the status. */
int finish(Context *context, gdopt_status status) {
    if (context->type) {
        PyErr_Restore(context->type, context->value, context->traceback);
        return 0;
    }
    if (status != GDOPT_OK) {
        raise_status(status);
        return 0;
    }
    return 1;
}

/* numerical_gradient(f, x, h, out): x float64 (read), out float64 (written). */
PyObject *numerical_gradient(PyObject *module, PyObject *args) {
    (void)module;
    Context context = {0};
    PyObject *x_obj, *out_obj;
    double h;
    if (!PyArg_ParseTuple(args, "OOdO", &context.callable, &x_obj, &h, &out_obj)) return NULL;
    Array x, out;
    if (!acquire(x_obj, &x, 0, "x", -1)) return NULL;
    if (!acquire(out_obj, &out, 1, "out", -1)) {
        release(&x, 1);
        return NULL;
    }
    gdopt_status status = GDOPT_ERR_INVALID;
    if (x.is_double && out.is_double && x.n == out.n)
        status = gdopt_numerical_gradient(trampoline, &context, x.view.buf, x.n, h, out.view.buf);
    else
        PyErr_SetString(PyExc_TypeError, "x and out must be float64 arrays of one size");
    release(&x, 1);
    release(&out, 1);
    if (PyErr_Occurred()) return NULL;
    return finish(&context, status) ? Py_NewRef(Py_None) : NULL;
}

/* gradcheck(f, x, h) -> (max_abs_error, max_rel_error, worst_index, analytic_at_worst,
 * numeric_at_worst, evaluations). */
PyObject *gradcheck(PyObject *module, PyObject *args) {
    (void)module;
    Context context = {0};
    PyObject *x_obj;
    double h;
    if (!PyArg_ParseTuple(args, "OOd", &context.callable, &x_obj, &h)) return NULL;
    Array x;
    if (!acquire(x_obj, &x, 0, "x", -1)) return NULL;
    if (!x.is_double) {
        release(&x, 1);
        PyErr_SetString(PyExc_TypeError, "x must be a float64 array");
        return NULL;
    }
    gdopt_gradcheck_result r;
    gdopt_status status = gdopt_gradcheck(trampoline, &context, x.view.buf, x.n, h, &r);
    release(&x, 1);
    if (!finish(&context, status)) return NULL;
    return Py_BuildValue("(ddnddn)", r.max_abs_error, r.max_rel_error, (Py_ssize_t)r.worst_index, r.analytic_at_worst,
                         r.numeric_at_worst, (Py_ssize_t)r.evaluations);
}

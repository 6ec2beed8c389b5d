/* Shared by the extension's files: statuses to exceptions, and buffer access. */
#ifndef GDOPT_PY_EXTENSION_H
#define GDOPT_PY_EXTENSION_H
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <gdopt.h>

extern PyObject *NonFiniteError;
extern PyTypeObject OptimizerType, TapeType, ScheduleType, SolverType;

/* Sets the Python exception for a failed gdopt call (message: gdopt_last_error) and
 * returns NULL. */
PyObject *raise_status(gdopt_status status);

typedef struct {
    Py_buffer view;
    int acquired;
    int is_double;
    size_t n;
} Array;

enum { ALLOW_SCALAR = 2 }; /* a flag of acquire's `flags`, with 1 = writable */

/* Reads obj as a C-contiguous float32/float64 buffer, or raises TypeError/ValueError naming
 * it ("params[1]"). Never copies. */
int acquire(PyObject *obj, Array *a, int flags, const char *name, Py_ssize_t index);
void release(Array *arrays, Py_ssize_t count);

/* Python objectives behind gdopt_objective: f(x_view, grad_view_or_None) -> float. An
 * exception stops the C call (NaN is returned to it) and is kept here to be re-raised. */
typedef struct {
    PyObject *callable;
    PyObject *type, *value, *traceback;
} Context;

double trampoline(size_t n, const double *x, double *grad, void *data);

/* After the C call: re-raises what a callback raised, else maps the status; 1 if neither. */
int finish(Context *context, gdopt_status status);

PyObject *numerical_gradient(PyObject *module, PyObject *args);
PyObject *gradcheck(PyObject *module, PyObject *args);
PyObject *kernel_update(PyObject *module, PyObject *args);

/* tables.c: the parameter tables' functions (NULL-terminated), and the header's codes. */
extern PyMethodDef table_functions[];
int add_code_constants(PyObject *module);
#endif

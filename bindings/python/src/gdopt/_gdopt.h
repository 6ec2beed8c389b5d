/* Shared by the extension's files: statuses to exceptions, and buffer access. */
#ifndef GDOPT_PY_EXTENSION_H
#define GDOPT_PY_EXTENSION_H
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <gdopt.h>

extern PyObject *NonFiniteError;
extern PyTypeObject OptimizerType, TapeType;

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

PyObject *numerical_gradient(PyObject *module, PyObject *args);
PyObject *gradcheck(PyObject *module, PyObject *args);
#endif

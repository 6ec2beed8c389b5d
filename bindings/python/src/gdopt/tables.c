/* The library's lists and codes, for the Python layer: the parameter tables (§10) and the
 * header's named codes, so that Python holds no copy of either. */
#include "_gdopt.h"

static PyObject *names_tuple(const char *const *names, size_t count) {
    PyObject *tuple = PyTuple_New((Py_ssize_t)count);
    for (size_t i = 0; tuple && i < count; i++) {
        PyObject *name = PyUnicode_FromString(names[i]);
        if (!name)
            Py_CLEAR(tuple);
        else
            PyTuple_SET_ITEM(tuple, (Py_ssize_t)i, name);
    }
    return tuple;
}

/* ((name, default, min, max, flags), ...) */
static PyObject *params_tuple(const gdopt_param_info *table, size_t count) {
    PyObject *tuple = PyTuple_New((Py_ssize_t)count);
    for (size_t i = 0; tuple && i < count; i++) {
        const gdopt_param_info *p = &table[i];
        PyObject *entry = Py_BuildValue("(sdddi)", p->name, p->default_value, p->min, p->max, (int)p->flags);
        if (!entry)
            Py_CLEAR(tuple);
        else
            PyTuple_SET_ITEM(tuple, (Py_ssize_t)i, entry);
    }
    return tuple;
}

#define NAMES_FUNCTION(python_name, c_function)                                                                        \
    static PyObject *python_name(PyObject *module, PyObject *unused) {                                                 \
        (void)module, (void)unused;                                                                                    \
        const char *const *names = NULL;                                                                               \
        size_t count = 0;                                                                                              \
        gdopt_status status = c_function(&names, &count);                                                              \
        return status == GDOPT_OK ? names_tuple(names, count) : raise_status(status);                                  \
    }
#define BY_KIND_FUNCTION(python_name, c_function, table_type, to_tuple)                                                \
    static PyObject *python_name(PyObject *module, PyObject *args) {                                                   \
        (void)module;                                                                                                  \
        const char *kind;                                                                                              \
        table_type table = NULL;                                                                                       \
        size_t count = 0;                                                                                              \
        if (!PyArg_ParseTuple(args, "s", &kind)) return NULL;                                                          \
        gdopt_status status = c_function(kind, &table, &count);                                                        \
        return status == GDOPT_OK ? to_tuple(table, count) : raise_status(status);                                     \
    }

NAMES_FUNCTION(optimizer_kinds, gdopt_optimizer_kinds)
NAMES_FUNCTION(schedule_kinds, gdopt_schedule_kinds)
NAMES_FUNCTION(solver_methods, gdopt_solver_methods)
BY_KIND_FUNCTION(optimizer_params, gdopt_optimizer_params, const gdopt_param_info *, params_tuple)
BY_KIND_FUNCTION(schedule_params, gdopt_schedule_params, const gdopt_param_info *, params_tuple)
BY_KIND_FUNCTION(solver_params, gdopt_solver_params, const gdopt_param_info *, params_tuple)
BY_KIND_FUNCTION(optimizer_state_names, gdopt_optimizer_state_names, const char *const *, names_tuple)
BY_KIND_FUNCTION(optimizer_scalar_names, gdopt_optimizer_scalar_names, const char *const *, names_tuple)

PyMethodDef table_functions[] = {
    {"optimizer_kinds", optimizer_kinds, METH_NOARGS, "optimizer_kinds() -> tuple of the kinds' names."},
    {"optimizer_params", optimizer_params, METH_VARARGS,
     "optimizer_params(kind) -> ((name, default, min, max, flags), ...) in checkpoint order."},
    {"optimizer_state_names", optimizer_state_names, METH_VARARGS,
     "optimizer_state_names(kind) -> the kind's state buffers by torch's names, in slot_info's bit order."},
    {"optimizer_scalar_names", optimizer_scalar_names, METH_VARARGS,
     "optimizer_scalar_names(kind) -> the kind's scalar state by torch's names (mu_product; eta, mu)."},
    {"schedule_kinds", schedule_kinds, METH_NOARGS, "schedule_kinds() -> tuple of the schedules' names."},
    {"schedule_params", schedule_params, METH_VARARGS, "schedule_params(kind) -> as optimizer_params."},
    {"solver_methods", solver_methods, METH_NOARGS, "solver_methods() -> tuple of the methods' names."},
    {"solver_params", solver_params, METH_VARARGS, "solver_params(method) -> as optimizer_params."},
    {NULL, NULL, 0, NULL},
};

/* The header's codes, as module constants (their values come from gdopt.h). */
int add_code_constants(PyObject *module) {
    static const struct {
        const char *name;
        long value;
    } codes[] = {
        {"F32", GDOPT_F32},
        {"F64", GDOPT_F64},
        {"PARAM_BOOL", GDOPT_PARAM_BOOL},
        {"PARAM_INTEGER", GDOPT_PARAM_INTEGER},
        {"NEG", GDOPT_NEG},
        {"EXP", GDOPT_EXP},
        {"LOG", GDOPT_LOG},
        {"TANH", GDOPT_TANH},
        {"SIGMOID", GDOPT_SIGMOID},
        {"RELU", GDOPT_RELU},
        {"SQUARE", GDOPT_SQUARE},
        {"SQRT", GDOPT_SQRT},
        {"ABS", GDOPT_ABS},
        {"SUM", GDOPT_SUM},
        {"MEAN", GDOPT_MEAN},
        {"TRANSPOSE", GDOPT_TRANSPOSE},
        {"ADD", GDOPT_ADD},
        {"SUB", GDOPT_SUB},
        {"MUL", GDOPT_MUL},
        {"DIV", GDOPT_DIV},
        {"MATMUL", GDOPT_MATMUL},
        {"SOFTMAX_CROSS_ENTROPY", GDOPT_SOFTMAX_CROSS_ENTROPY},
        {"MULTICLASS_HINGE", GDOPT_MULTICLASS_HINGE},
        {"CONVERGED_GTOL", GDOPT_CONVERGED_GTOL},
        {"CONVERGED_FTOL", GDOPT_CONVERGED_FTOL},
        {"CONVERGED_XTOL", GDOPT_CONVERGED_XTOL},
        {"MAX_ITER", GDOPT_MAX_ITER},
        {"MAX_EVALS", GDOPT_MAX_EVALS},
        {"STOPPED_BY_CALLBACK", GDOPT_STOPPED_BY_CALLBACK},
        {"LINESEARCH_FAILED", GDOPT_LINESEARCH_FAILED},
        {"TASK_EVALUATE", GDOPT_TASK_EVALUATE},
        {"TASK_ITERATE", GDOPT_TASK_ITERATE},
        {"TASK_DONE", GDOPT_TASK_DONE},
        {"ADAM_DECOUPLED", GDOPT_ADAM_DECOUPLED},
        {"ADAM_AMSGRAD", GDOPT_ADAM_AMSGRAD},
        {"ADAM_MAXIMIZE", GDOPT_ADAM_MAXIMIZE},
    };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (PyModule_AddIntConstant(module, codes[i].name, codes[i].value) < 0) return -1;
    return 0;
}

/* The one piece of libgdopt_fortran written in C: a thread-local message for the errors
 * that only the Fortran binding can see (a non-contiguous array, arrays of different
 * sizes). Fortran has no thread-local variables. gdopt_last_error() in the module returns
 * this message when the binding's refusal is the calling thread's last failure, and the
 * library's otherwise: a library call that fails calls gdoptf_library_failed. */
#include <gdopt.h>
#include <string.h>

static _Thread_local char message[512];
static _Thread_local int binding_failed_last;

void gdoptf_fail(const char *text, size_t len) {
    if (len >= sizeof message) len = sizeof message - 1;
    memcpy(message, text, len);
    message[len] = '\0';
    binding_failed_last = 1;
}

void gdoptf_library_failed(void) {
    binding_failed_last = 0;
}

const char *gdoptf_last_error(void) {
    return binding_failed_last ? message : gdopt_last_error();
}

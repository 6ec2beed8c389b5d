#include "GDOptShim.h"
#include <string.h>

static _Thread_local char last_error[1024];

void gdoptshim_set_error(const char *message) {
    strncpy(last_error, message, sizeof last_error - 1);
    last_error[sizeof last_error - 1] = '\0';
}

const char *gdoptshim_last_error(void) { return last_error; }

#ifndef GDOPT_SHIM_H
#define GDOPT_SHIM_H
/* Per-thread storage for gdopt_last_error. It lives in C because a _Thread_local
 * buffer needs no destructor: a pthread key would crash threads that exit after the
 * host has dlclose'd the library. Not exported (see gdopt.map). */
void gdoptshim_set_error(const char *message);
const char *gdoptshim_last_error(void);
#endif

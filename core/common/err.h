/* Error codes shared by every core module, and the one place a failing
 * function leaves a human-readable reason.
 *
 * Functions return 0 or one of the negative codes below. The first failure
 * that knows *why* records a one-line message with diag_set(); callers up the
 * stack keep the message and only translate the code, so the CLI can print
 * exactly one line naming the problem. The core is single-threaded, so the
 * message buffer is a plain static. */
#ifndef CORE_COMMON_ERR_H
#define CORE_COMMON_ERR_H

#include <stdarg.h>

enum {
    ERR_GENERIC = -1,
    ERR_NOMEM = -2,
    ERR_IO = -3,
    ERR_INVALID = -4,      /* bad argument, option or file content */
    ERR_UNSUPPORTED = -5,
    ERR_NOPROC = -10,      /* no such process */
    ERR_PERM = -11,        /* not allowed to read the target */
    ERR_NOTPYTHON = -12,   /* no CPython runtime found in the target */
    ERR_VERSION = -13,     /* a CPython version we cannot decode */
    ERR_READ = -14,        /* a memory read failed (unmapped, partial) */
    ERR_CORRUPT = -15,     /* data read from the target is inconsistent */
    ERR_NOTREADY = -16,    /* the interpreter is not initialised yet */
    ERR_PLUGIN = -17,      /* a plugin failed or was rejected */
    ERR_USAGE = -18,       /* bad command line: exit status 2 */
    ERR_INTERRUPTED = -19,
};

/* Record a message for code and return code, so a caller can write
 *     rc = diag_set(ERR_NOPROC, "no such process: %d", pid); goto out;  */
int diag_set(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int diag_vset(int code, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* The last message, or a generic text for the code when none was set. */
const char *diag_message(void);
int diag_code(void);
void diag_clear(void);
const char *err_name(int code);

#endif

#include "mem/target_err.h"

#include "common/err.h"

#include <errno.h>
#include <string.h>

int target_err_noproc(pid_t pid)
{
    /* Same wording as CPython's SamplingUnknownProcessError. */
    return diag_set(ERR_NOPROC, "Process with PID '%d' does not exist.", (int)pid);
}

int target_err_perm(pid_t pid, const char *what, int errnum)
{
    return diag_set(ERR_PERM,
                    "Insufficient permission to access process %d (%s: %s); %s.",
                    (int)pid, what, strerror(errnum), TARGET_PERM_HINT);
}

int target_err_from_errno(pid_t pid, const char *what, int errnum, int fallback)
{
    switch (errnum) {
    case ESRCH:
    case ENOENT:
        return target_err_noproc(pid);
    case EPERM:
    case EACCES:
        return target_err_perm(pid, what, errnum);
    case ENOMEM:
        if (fallback != ERR_READ)
            return diag_set(ERR_NOMEM, "out of memory (%s)", what);
        break;
    default:
        break;
    }
    return diag_set(fallback, "%s in process %d failed: %s", what, (int)pid, strerror(errnum));
}

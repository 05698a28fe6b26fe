/* Turning a failed system call on the target into an error code and a
 * one-line message, shared by the memory reader and the process finder so
 * both speak the same words about the same failure. */
#ifndef CORE_MEM_TARGET_ERR_H
#define CORE_MEM_TARGET_ERR_H

#include <sys/types.h>

/* What a user can do about a permission failure, appended to every
 * ERR_PERM message. */
#define TARGET_PERM_HINT                                                       \
    "run as root, grant CAP_SYS_PTRACE, or allow attaching with "              \
    "`echo 0 | sudo tee /proc/sys/kernel/yama/ptrace_scope`; "                 \
    "in a container, start it with --cap-add=SYS_PTRACE"

/* Record "process does not exist" for pid and return ERR_NOPROC. */
int target_err_noproc(pid_t pid);
/* Record a permission failure of `what` (e.g. "open /proc/1/mem") with the
 * hint and return ERR_PERM. */
int target_err_perm(pid_t pid, const char *what, int errnum);
/* Map errno from an access to the target (opening its /proc files or
 * reading its memory) to ERR_NOPROC, ERR_PERM or fallback, setting the
 * message. `what` names the operation for the message. */
int target_err_from_errno(pid_t pid, const char *what, int errnum, int fallback);

#endif

/* Stopping every thread of a target for the duration of one read
 * (--blocking), so a sample sees a frozen snapshot instead of a stack that
 * changes while it is being walked.
 *
 * Linux: each thread is attached with PTRACE_SEIZE and stopped with
 * PTRACE_INTERRUPT; resuming detaches it again, so between samples the
 * target is not traced at all (its signals, debuggers and exit behave as
 * usual). If tachyon dies while threads are stopped, even by SIGKILL, the
 * kernel detaches its tracees on exit and they run on. A thread created
 * while the others are being stopped is found by listing the threads again
 * until the list is stable; a thread that exits meanwhile is skipped. A
 * signal that arrives during the stop is handed back to the thread when it
 * is detached, so nothing is lost. */
#ifndef CORE_PROC_PAUSE_H
#define CORE_PROC_PAUSE_H

#include <stddef.h>
#include <sys/types.h>

struct proc_pause;

/* ERR_NOMEM only; the process is not touched yet. */
int proc_pause_create(pid_t pid, struct proc_pause **out);
void proc_pause_destroy(struct proc_pause *p);

/* Stop every thread. 0 when all threads that exist are stopped;
 * ERR_NOPROC when the process is gone; ERR_PERM (with a message naming the
 * tracer) when another debugger traces it or ptrace is not allowed. On
 * failure nothing stays stopped. */
int proc_pause_stop(struct proc_pause *p);
/* Resume (detach) every thread stopped by the last proc_pause_stop. */
void proc_pause_resume(struct proc_pause *p);

/* Threads stopped by the last proc_pause_stop. */
size_t proc_pause_count(const struct proc_pause *p);

/* Threads of any target, of any pause (destroyed ones too), that were
 * interrupted but have not reported their stop yet: each is detached at
 * the first stop of any pause after it reports (this call reaps too). */
size_t proc_pause_late_count(void);

/* If the thread group leader exited while stopped and its exit status was
 * collected by the stop's wait (only possible for our own child), return 1
 * and the raw status. */
int proc_pause_leader_status(const struct proc_pause *p, int *status);

#endif

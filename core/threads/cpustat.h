/* The kernel's view of a target's threads, for --mode=cpu and the
 * TACHYON_THREAD_ON_CPU status bit.
 *
 * A tracker belongs to one process. The first question about a TID opens
 * /proc/PID/task/TID/stat; later questions re-read the open file with
 * pread(2), which regenerates the line without the cost of a path lookup
 * and open per sample. A TID that has exited is detected on read (the
 * kernel answers ESRCH), its file closed and ERR_NOPROC returned; TIDs that
 * are no longer asked about are closed by cpustat_sweep().
 *
 * "On CPU" means state 'R': running or runnable (waiting on a run queue),
 * which is what the kernel reports and what "not blocked" means for a
 * profiler; a thread in a system call that sleeps shows 'S' or 'D'.
 *
 * Only built when the mode or a plugin needs thread status, since each
 * read is a system call per thread (bench/status_cost.c measures it). */
#ifndef CORE_THREADS_CPUSTAT_H
#define CORE_THREADS_CPUSTAT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct cpustat;

struct cpustat_thread {
    char state;          /* the stat state letter */
    int on_cpu;          /* state == 'R' */
    uint64_t cpu_ticks;  /* utime + stime, in cpustat_ticks_per_second() units */
    int processor;       /* CPU it last ran on, -1 when unknown */
};

struct cpustat_counters {
    uint64_t opens;      /* stat files opened */
    uint64_t reads;      /* pread calls */
    uint64_t closes;     /* files closed (vanished or swept TIDs) */
    size_t open_now;     /* files currently open */
};

/* ERR_NOPROC when /proc/PID/task does not exist. */
int cpustat_open(pid_t pid, struct cpustat **out);
void cpustat_close(struct cpustat *cs);

/* Read TID's current state. ERR_NOPROC when the thread is gone (its file
 * is closed), ERR_PERM when /proc refuses, ERR_CORRUPT for an unparsable
 * line, ERR_IO for other failures (ERR_NOMEM or too many open files). */
int cpustat_read(struct cpustat *cs, pid_t tid, struct cpustat_thread *out);

/* 1 if TID is on a CPU (state 'R'), 0 if not, or a negative error. */
int cpustat_on_cpu(struct cpustat *cs, pid_t tid);

/* Close the files of TIDs not read since the previous sweep. Call once per
 * sampling round, after the round's reads, so threads that ended without a
 * final read do not keep descriptors open. */
void cpustat_sweep(struct cpustat *cs);

void cpustat_get_counters(const struct cpustat *cs, struct cpustat_counters *out);

/* Clock ticks per second of cpu_ticks (sysconf(_SC_CLK_TCK)). */
long cpustat_ticks_per_second(void);

#endif

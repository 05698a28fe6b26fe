/* Monotonic time and absolute-deadline sleeping for the sampling loop.
 * A relative sleep (usleep) drifts and oversleeps (usleep(100) takes about
 * 190 us on our machines); sleeping until an absolute deadline keeps the
 * schedule exact however long each sample took. */
#ifndef CORE_SAMPLER_CLOCK_H
#define CORE_SAMPLER_CLOCK_H

#include <stdint.h>

uint64_t clock_now_ns(void);
uint64_t clock_realtime_ns(void);
/* Sleep until the monotonic time deadline_ns; returns early on a signal. */
void clock_sleep_until(uint64_t deadline_ns);
/* Sleep until deadline_ns or until fd is readable, whichever comes first.
 * Returns 1 when fd is readable, 0 otherwise (deadline, signal, error). */
int clock_wait_fd(uint64_t deadline_ns, int fd);
/* CPU time used by this process so far, in nanoseconds. */
uint64_t clock_process_cpu_ns(void);

#endif

#include "clock.h"

#include <errno.h>
#include <poll.h>
#include <time.h>

static uint64_t ts_ns(const struct timespec *ts)
{
    return (uint64_t)ts->tv_sec * 1000000000ull + (uint64_t)ts->tv_nsec;
}

uint64_t clock_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts_ns(&ts);
}

uint64_t clock_realtime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts_ns(&ts);
}

void clock_sleep_until(uint64_t deadline_ns)
{
    struct timespec ts;
    ts.tv_sec = (time_t)(deadline_ns / 1000000000ull);
    ts.tv_nsec = (long)(deadline_ns % 1000000000ull);
    /* EINTR is not retried: a signal usually means "stop", and the loop
     * re-checks its flags and the deadline anyway. */
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

uint64_t clock_process_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts_ns(&ts);
}

int clock_wait_fd(uint64_t deadline_ns, int fd)
{
    struct pollfd pfd;
    struct timespec ts;
    uint64_t now = clock_now_ns(), left = deadline_ns > now ? deadline_ns - now : 0;

    pfd.fd = fd;
    pfd.events = POLLIN;
    pfd.revents = 0;
    ts.tv_sec = (time_t)(left / 1000000000ull);
    ts.tv_nsec = (long)(left % 1000000000ull);
    /* A hang-up or error also ends the wait: the plugin's read sees it. */
    return ppoll(&pfd, 1, &ts, NULL) > 0 && (pfd.revents & (POLLIN | POLLHUP | POLLERR)) != 0;
}

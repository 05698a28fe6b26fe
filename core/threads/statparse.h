/* Parsing one /proc/PID/task/TID/stat line (see proc(5)).
 *
 * The second field is the thread's name in parentheses, and a name may
 * itself contain spaces and ')' (threading.Thread(name=...) sets it through
 * prctl), so fields are counted from the LAST ')' of the line. Kept apart
 * from the tracker so it can be tested on crafted lines. */
#ifndef CORE_THREADS_STATPARSE_H
#define CORE_THREADS_STATPARSE_H

#include <stddef.h>
#include <stdint.h>

struct stat_fields {
    char state;          /* field 3: R running or runnable, S, D, Z, T, t, X, I... */
    uint64_t utime;      /* field 14, clock ticks in user mode */
    uint64_t stime;      /* field 15, clock ticks in kernel mode */
    int processor;       /* field 39, CPU it last ran on; -1 when absent */
};

/* 0, or ERR_CORRUPT when buf (len bytes, need not be NUL-terminated) is not
 * a stat line: no ')', a missing field, a non-numeric tick count. */
int stat_parse(const char *buf, size_t len, struct stat_fields *out);

#endif

/* Per-process thread stat tracker; see cpustat.h.
 *
 * Open files are kept in a small open-addressing hash table keyed by TID
 * (linear probing, tombstones on removal, rebuilt when half full), since a
 * target may have thousands of threads and every sample asks about each. */
#include "cpustat.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/err.h"
#include "statparse.h"

#define SLOT_EMPTY 0
#define SLOT_TOMB (-1)
#define MIN_CAP 16u
#define LINE_MAX_BYTES 1024

struct slot {
    pid_t tid;       /* SLOT_EMPTY, SLOT_TOMB or a live TID */
    int fd;
    uint32_t gen;    /* sweep round of the last read */
};

struct cpustat {
    pid_t pid;
    struct slot *slots;
    size_t cap;      /* power of two */
    size_t live, tombs;
    uint32_t gen;
    struct cpustat_counters c;
};

static size_t hash_tid(pid_t tid, size_t cap)
{
    return ((uint32_t)tid * 2654435761u) & (cap - 1);
}

/* The slot holding tid, or NULL. */
static struct slot *find(struct cpustat *cs, pid_t tid)
{
    size_t i = hash_tid(tid, cs->cap), n;

    for (n = 0; n < cs->cap; n++, i = (i + 1) & (cs->cap - 1)) {
        if (cs->slots[i].tid == tid)
            return &cs->slots[i];
        if (cs->slots[i].tid == SLOT_EMPTY)
            return NULL;
    }
    return NULL;
}

/* Place an entry known to be absent; the table must have a free slot. */
static struct slot *place(struct slot *slots, size_t cap, pid_t tid, int fd, uint32_t gen)
{
    size_t i = hash_tid(tid, cap);

    while (slots[i].tid != SLOT_EMPTY && slots[i].tid != SLOT_TOMB)
        i = (i + 1) & (cap - 1);
    slots[i].tid = tid;
    slots[i].fd = fd;
    slots[i].gen = gen;
    return &slots[i];
}

/* Rebuild into a table sized for live entries, dropping tombstones. */
static int rebuild(struct cpustat *cs)
{
    size_t cap = MIN_CAP, i;
    struct slot *fresh;

    while (cap < 4 * (cs->live + 1))
        cap *= 2;
    fresh = calloc(cap, sizeof(*fresh));
    if (!fresh)
        return diag_set(ERR_NOMEM, "out of memory for the thread stat table");
    for (i = 0; i < cs->cap; i++)
        if (cs->slots[i].tid > 0)
            place(fresh, cap, cs->slots[i].tid, cs->slots[i].fd, cs->slots[i].gen);
    free(cs->slots);
    cs->slots = fresh;
    cs->cap = cap;
    cs->tombs = 0;
    return 0;
}

static void drop(struct cpustat *cs, struct slot *s)
{
    close(s->fd);
    s->tid = SLOT_TOMB;
    s->fd = -1;
    cs->live--;
    cs->tombs++;
    cs->c.closes++;
    cs->c.open_now--;
}

static int errno_to_err(int e, pid_t tid)
{
    if (e == ENOENT || e == ESRCH)
        return diag_set(ERR_NOPROC, "thread %d is gone", (int)tid);
    if (e == EACCES || e == EPERM)
        return diag_set(ERR_PERM, "not allowed to read the stat of thread %d", (int)tid);
    return diag_set(ERR_IO, "thread %d stat: %s", (int)tid, strerror(e));
}

static int open_stat(struct cpustat *cs, pid_t tid, struct slot **out)
{
    char path[64];
    int fd, rc;

    if ((cs->live + cs->tombs + 1) * 2 > cs->cap) {
        rc = rebuild(cs);
        if (rc < 0)
            return rc;
    }
    snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)cs->pid, (int)tid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno_to_err(errno, tid);
    cs->c.opens++;
    cs->c.open_now++;
    cs->live++;
    *out = place(cs->slots, cs->cap, tid, fd, cs->gen);
    return 0;
}

int cpustat_open(pid_t pid, struct cpustat **out)
{
    char path[48];
    struct stat st;
    struct cpustat *cs;

    if (pid <= 0)
        return diag_set(ERR_INVALID, "bad pid %d", (int)pid);
    snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
    if (stat(path, &st) != 0)
        return errno == ENOENT ? diag_set(ERR_NOPROC, "no such process: %d", (int)pid)
                               : errno_to_err(errno, pid);
    cs = calloc(1, sizeof(*cs));
    if (!cs)
        return diag_set(ERR_NOMEM, "out of memory for the thread stat tracker");
    cs->slots = calloc(MIN_CAP, sizeof(*cs->slots));
    if (!cs->slots) {
        free(cs);
        return diag_set(ERR_NOMEM, "out of memory for the thread stat table");
    }
    cs->pid = pid;
    cs->cap = MIN_CAP;
    *out = cs;
    return 0;
}

void cpustat_close(struct cpustat *cs)
{
    size_t i;

    if (!cs)
        return;
    for (i = 0; i < cs->cap; i++)
        if (cs->slots[i].tid > 0)
            close(cs->slots[i].fd);
    free(cs->slots);
    free(cs);
}

/* One pread of an open stat file; -errno on failure, else bytes read. */
static ssize_t read_line(struct cpustat *cs, struct slot *s, char *buf, size_t size)
{
    ssize_t n;

    do {
        n = pread(s->fd, buf, size, 0);
    } while (n < 0 && errno == EINTR);
    cs->c.reads++;
    return n < 0 ? -errno : n;
}

int cpustat_read(struct cpustat *cs, pid_t tid, struct cpustat_thread *out)
{
    char buf[LINE_MAX_BYTES];
    struct stat_fields f;
    struct slot *s;
    ssize_t n;
    int rc, attempt;

    if (!cs || tid <= 0 || !out)
        return diag_set(ERR_INVALID, "cpustat_read: bad arguments");
    /* Two attempts: a kept file of an exited thread answers ESRCH, and the
     * TID may since name a new thread, which needs a fresh open. */
    for (attempt = 0;; attempt++) {
        s = find(cs, tid);
        if (!s) {
            rc = open_stat(cs, tid, &s);
            if (rc < 0)
                return rc;
        }
        n = read_line(cs, s, buf, sizeof(buf));
        if (n > 0)
            break;
        drop(cs, s);
        if (n == 0 || n != -ESRCH || attempt > 0)
            return n == 0 ? diag_set(ERR_NOPROC, "thread %d is gone", (int)tid)
                          : errno_to_err((int)-n, tid);
    }
    s->gen = cs->gen;
    rc = stat_parse(buf, (size_t)n, &f);
    if (rc < 0)
        return rc;
    out->state = f.state;
    out->on_cpu = f.state == 'R';
    out->cpu_ticks = f.utime + f.stime;
    out->processor = f.processor;
    return 0;
}

int cpustat_on_cpu(struct cpustat *cs, pid_t tid)
{
    struct cpustat_thread t;
    int rc = cpustat_read(cs, tid, &t);

    return rc < 0 ? rc : t.on_cpu;
}

void cpustat_sweep(struct cpustat *cs)
{
    size_t i;

    for (i = 0; i < cs->cap; i++)
        if (cs->slots[i].tid > 0 && cs->slots[i].gen != cs->gen)
            drop(cs, &cs->slots[i]);
    cs->gen++;
}

void cpustat_get_counters(const struct cpustat *cs, struct cpustat_counters *out)
{
    *out = cs->c;
}

long cpustat_ticks_per_second(void)
{
    long t = sysconf(_SC_CLK_TCK);

    return t > 0 ? t : 100;
}

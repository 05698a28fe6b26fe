#include "children.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../common/err.h"
#include "../common/grow.h"

#define RCVBUF_BYTES (4 << 20)   /* room for a burst of forks elsewhere on the machine */
/* The header and the first 16 bytes of the data every event we read has. */
#define EVENT_MIN (offsetof(struct proc_event, event_data) + 16)

struct pid_pair {
    pid_t pid, ppid;
};

struct child_watch {
    pid_t root;
    int fd;                  /* connector socket, or -1 */
    int need_scan;           /* first poll, or events were lost */
    pid_t *set;              /* the root and every known descendant */
    size_t n, cap;
    struct pid_pair *pairs;  /* this scan's processes and parents, sorted by pid */
    size_t n_pairs, cap_pairs;
    struct pid_pair *prev;   /* the previous scan's: a parent never changes... */
    size_t n_prev, cap_prev;
    uint64_t scans;
};

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static long find(const struct child_watch *w, pid_t pid)
{
    size_t i;
    for (i = 0; i < w->n; i++)
        if (w->set[i] == pid)
            return (long)i;
    return -1;
}

static int add(struct child_watch *w, pid_t pid)
{
    if (grow_array((void **)&w->set, &w->cap, w->n + 1, sizeof *w->set) < 0)
        return ERR_NOMEM;
    w->set[w->n++] = pid;
    return 0;
}

static void drop(struct child_watch *w, size_t i)
{
    w->set[i] = w->set[--w->n];
}

/* Subscribe to the process events connector; -1 when not allowed here. */
static int connector_open(void)
{
    struct sockaddr_nl sa;
    struct {
        struct nlmsghdr h;
        struct cn_msg c;
        enum proc_cn_mcast_op op;
    } __attribute__((packed)) msg;
    int fd, size = RCVBUF_BYTES;

    fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_CONNECTOR);
    if (fd < 0)
        return -1;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    memset(&sa, 0, sizeof sa);
    sa.nl_family = AF_NETLINK;
    sa.nl_groups = CN_IDX_PROC;
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
        goto fail;
    memset(&msg, 0, sizeof msg);
    msg.h.nlmsg_len = sizeof msg;
    msg.h.nlmsg_type = NLMSG_DONE;
    msg.h.nlmsg_pid = (uint32_t)getpid();
    msg.c.id.idx = CN_IDX_PROC;
    msg.c.id.val = CN_VAL_PROC;
    msg.c.len = sizeof(enum proc_cn_mcast_op);
    msg.op = PROC_CN_MCAST_LISTEN;
    if (send(fd, &msg, sizeof msg, 0) < 0)
        goto fail;
    return fd;
fail:
    close(fd);
    return -1;
}

int child_watch_open(pid_t root, struct child_watch **out)
{
    struct child_watch *w = calloc(1, sizeof *w);
    const char *env;
    if (!w || add(w, root)) {
        free(w);
        return diag_set(ERR_NOMEM, "out of memory");
    }
    w->root = root;
    /* TACHYON_CHILD_WATCH=scan forces the fallback (tests and benchmarks). */
    env = getenv("TACHYON_CHILD_WATCH");
    w->fd = env && strcmp(env, "scan") == 0 ? -1 : connector_open();
    w->need_scan = 1;
    *out = w;
    return 0;
}

void child_watch_close(struct child_watch *w)
{
    if (!w)
        return;
    if (w->fd >= 0)
        close(w->fd);
    free(w->set);
    free(w->pairs);
    free(w->prev);
    free(w);
}

int child_watch_fd(const struct child_watch *w)
{
    return w->fd;
}

const char *child_watch_mechanism(const struct child_watch *w)
{
    return w->fd >= 0 ? "process events connector" : "/proc scan";
}

uint64_t child_watch_scans(const struct child_watch *w)
{
    return w->scans;
}

static pid_t parent_of(pid_t pid)
{
    char path[48], buf[512], *p;
    ssize_t n;
    int fd;

    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    /* "pid (comm) S ppid ...": comm may hold spaces and parentheses. */
    p = strrchr(buf, ')');
    if (!p || p[1] != ' ' || !p[2] || p[3] != ' ')
        return -1;
    return (pid_t)strtol(p + 4, NULL, 10);
}

static int cmp_pair(const void *a, const void *b)
{
    pid_t x = ((const struct pid_pair *)a)->pid, y = ((const struct pid_pair *)b)->pid;
    return x < y ? -1 : x > y;
}

/* ...that matters here: a process is placed in the tree when first seen,
 * so its parent link is read once, not at every scan. Reading /proc/PID/stat
 * of a busy process waits on its memory map lock, which makes a full scan
 * cost milliseconds while the tree's children start. */
static pid_t known_parent(const struct child_watch *w, pid_t pid)
{
    size_t lo = 0, hi = w->n_prev;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (w->prev[mid].pid == pid)
            return w->prev[mid].ppid;
        if (w->prev[mid].pid < pid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* Find the tree by parent links: every process whose parent is known
 * joins it, until nothing changes; known processes no longer listed left. */
static int scan(struct child_watch *w, child_event_fn fn, void *ctx)
{
    struct child_event ev;
    struct dirent *de;
    size_t i;
    int grew, rc = 0;
    DIR *d;

    w->scans++;
    w->n_pairs = 0;
    d = opendir("/proc");
    if (!d)
        return diag_set(ERR_IO, "cannot list /proc: %s", strerror(errno));
    while ((de = readdir(d)) != NULL) {
        pid_t pid = (pid_t)strtol(de->d_name, NULL, 10), ppid;
        if (pid <= 0)
            continue;
        ppid = known_parent(w, pid);
        if (ppid < 0 && (ppid = parent_of(pid)) < 0)
            continue;
        if (grow_array((void **)&w->pairs, &w->cap_pairs, w->n_pairs + 1, sizeof *w->pairs) < 0) {
            rc = ERR_NOMEM;
            break;
        }
        w->pairs[w->n_pairs].pid = pid;
        w->pairs[w->n_pairs].ppid = ppid;
        w->n_pairs++;
    }
    closedir(d);
    if (rc)
        return rc;
    qsort(w->pairs, w->n_pairs, sizeof *w->pairs, cmp_pair);
    /* Gone: watched processes the scan did not list. */
    for (i = 1; i < w->n;) {
        size_t j;
        for (j = 0; j < w->n_pairs && w->pairs[j].pid != w->set[i]; j++)
            ;
        if (j == w->n_pairs) {
            memset(&ev, 0, sizeof ev);
            ev.kind = CHILD_EXIT;
            ev.pid = w->set[i];
            ev.when_ns = mono_ns();
            drop(w, i);
            fn(ctx, &ev);
            continue;
        }
        i++;
    }
    do {
        grew = 0;
        for (i = 0; i < w->n_pairs; i++) {
            if (find(w, w->pairs[i].pid) >= 0 || find(w, w->pairs[i].ppid) < 0)
                continue;
            if (add(w, w->pairs[i].pid))
                return ERR_NOMEM;
            grew = 1;
            memset(&ev, 0, sizeof ev);
            ev.kind = CHILD_NEW;
            ev.pid = w->pairs[i].pid;
            ev.parent = w->pairs[i].ppid;
            ev.when_ns = mono_ns();
            fn(ctx, &ev);
        }
    } while (grew);
    {
        struct pid_pair *tmp = w->prev;
        size_t cap = w->cap_prev;
        w->prev = w->pairs;
        w->cap_prev = w->cap_pairs;
        w->n_prev = w->n_pairs;
        w->pairs = tmp;
        w->cap_pairs = cap;
        w->n_pairs = 0;
    }
    return 0;
}

static void handle(struct child_watch *w, const struct proc_event *pe, child_event_fn fn, void *ctx)
{
    struct child_event ev;
    long i;

    memset(&ev, 0, sizeof ev);
    ev.when_ns = pe->timestamp_ns;
    switch (pe->what) {
    case PROC_EVENT_FORK:
        /* A new thread is a fork event too; only new processes count. */
        if (pe->event_data.fork.child_pid != pe->event_data.fork.child_tgid)
            return;
        if (find(w, pe->event_data.fork.parent_tgid) < 0 || find(w, pe->event_data.fork.child_tgid) >= 0)
            return;
        if (add(w, pe->event_data.fork.child_tgid))
            return;
        ev.kind = CHILD_NEW;
        ev.pid = pe->event_data.fork.child_tgid;
        ev.parent = pe->event_data.fork.parent_tgid;
        fn(ctx, &ev);
        break;
    case PROC_EVENT_EXEC:
        if (pe->event_data.exec.process_tgid == w->root || find(w, pe->event_data.exec.process_tgid) < 0)
            return;
        ev.kind = CHILD_EXEC;
        ev.pid = pe->event_data.exec.process_tgid;
        fn(ctx, &ev);
        break;
    case PROC_EVENT_EXIT:
        if (pe->event_data.exit.process_pid != pe->event_data.exit.process_tgid)
            return;
        i = find(w, pe->event_data.exit.process_tgid);
        if (i <= 0)
            return;   /* not ours, or the root (the caller sees the root exit) */
        drop(w, (size_t)i);
        ev.kind = CHILD_EXIT;
        ev.pid = pe->event_data.exit.process_tgid;
        fn(ctx, &ev);
        break;
    default:
        break;
    }
}

int child_watch_poll(struct child_watch *w, child_event_fn fn, void *ctx)
{
    union {
        struct nlmsghdr h;
        char bytes[16384];
    } buf;
    struct sockaddr_nl from;
    socklen_t fromlen;
    ssize_t n;
    int rc;

    if (w->fd >= 0) {
        for (;;) {
            size_t off;
            fromlen = sizeof from;
            n = recvfrom(w->fd, &buf, sizeof buf, 0, (struct sockaddr *)&from, &fromlen);
            if (n < 0) {
                if (errno == ENOBUFS) {
                    w->need_scan = 1;   /* events were dropped: rebuild from /proc */
                    continue;
                }
                break;   /* EAGAIN: nothing more queued */
            }
            if (from.nl_pid != 0)
                continue;   /* only the kernel speaks for the connector */
            /* Walk the messages by hand: the NLMSG_* macros mix signedness. */
            for (off = 0; off + sizeof(struct nlmsghdr) <= (size_t)n;) {
                const struct nlmsghdr *h = (const struct nlmsghdr *)(buf.bytes + off);
                const struct cn_msg *cn = NLMSG_DATA(h);
                size_t len = h->nlmsg_len;
                if (len < sizeof *h || len > (size_t)n - off)
                    break;
                if (h->nlmsg_type != NLMSG_ERROR && h->nlmsg_type != NLMSG_NOOP &&
                    len >= NLMSG_LENGTH(sizeof *cn) && cn->id.idx == CN_IDX_PROC && cn->id.val == CN_VAL_PROC &&
                    cn->len >= EVENT_MIN && len >= NLMSG_LENGTH(sizeof *cn + EVENT_MIN))
                {
                    /* The event sits at an offset the struct's alignment
                     * does not allow: copy it out. */
                    struct proc_event pe;
                    size_t have = cn->len < sizeof pe ? cn->len : sizeof pe;
                    memset(&pe, 0, sizeof pe);
                    memcpy(&pe, cn->data, have);
                    handle(w, &pe, fn, ctx);
                }
                off += NLMSG_ALIGN(len);
            }
        }
    }
    if (w->fd < 0 || w->need_scan) {
        w->need_scan = 0;
        rc = scan(w, fn, ctx);
        if (rc)
            return rc;
    }
    return 0;
}

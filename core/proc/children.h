/* Watching a process tree for new descendants (--subprocesses).
 *
 * The fast path is the kernel's process events connector (netlink
 * NETLINK_CONNECTOR, CN_IDX_PROC): the kernel sends a message for every
 * fork, exec and exit as it happens, so a new child is known within the
 * time it takes to read a socket, with no scanning at all. Only the events
 * of processes in the watched tree are kept; the rest are dropped after a
 * lookup in a small hash set. It needs CAP_NET_ADMIN in the initial
 * namespaces; without it (or when the socket overflows and events were
 * lost) the tree is found by a /proc scan of parent links, which the
 * caller repeats on its own schedule. TACHYON_CHILD_WATCH=scan in the
 * environment forces the scan (to test and measure it).
 *
 * The watcher tells about each descendant once (CHILD_NEW), about every
 * exec of a watched process (CHILD_EXEC: its memory is a new program) and
 * about exits (CHILD_EXIT). The root itself is watched but never reported. */
#ifndef CORE_PROC_CHILDREN_H
#define CORE_PROC_CHILDREN_H

#include <stdint.h>
#include <sys/types.h>

enum child_event_kind { CHILD_NEW, CHILD_EXEC, CHILD_EXIT };

struct child_event {
    enum child_event_kind kind;
    pid_t pid;
    pid_t parent;        /* CHILD_NEW: the process that forked it */
    uint64_t when_ns;    /* CLOCK_MONOTONIC of the event when the kernel said; else when it was seen */
};

typedef void (*child_event_fn)(void *ctx, const struct child_event *ev);

struct child_watch;

/* Starts watching root's tree and reports the descendants it has already
 * (as CHILD_NEW) on the first child_watch_poll. ERR_NOMEM only: without
 * the connector it falls back to scanning. */
int child_watch_open(pid_t root, struct child_watch **out);
void child_watch_close(struct child_watch *w);

/* The descriptor to wait on for events, or -1 when scanning. */
int child_watch_fd(const struct child_watch *w);
/* "process events connector" or "/proc scan". */
const char *child_watch_mechanism(const struct child_watch *w);

/* Deliver what happened since the last call: read the connector's queued
 * events, or scan /proc when scanning (or when events were lost). */
int child_watch_poll(struct child_watch *w, child_event_fn fn, void *ctx);

/* Scans made so far (cost figure for -v and benchmarks). */
uint64_t child_watch_scans(const struct child_watch *w);

#endif

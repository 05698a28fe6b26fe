/* Private to core/mem: the process-backed reader shared by the
 * process_vm_readv and /proc/PID/mem backends, plus hooks for tests and
 * benchmarks to see how many system calls a read cost. */
#ifndef CORE_MEM_READER_PROCESS_H
#define CORE_MEM_READER_PROCESS_H

#include "mem/reader.h"

#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

/* /proc/PID/mem readv: spans closer than this are read with one pread
 * (one system call costs about as much as copying a page), and no merged
 * read is longer than PROC_MEM_GROUP_MAX bytes. */
#define PROC_MEM_NEAR_GAP 4096u
#define PROC_MEM_GROUP_MAX 65536u
/* process_vm_readv accepts at most this many iovecs per call (UIO_MAXIOV). */
#define VM_READV_MAX_IOV 1024u

struct span_order {
    uint64_t addr;
    size_t idx;
};

struct proc_reader {
    struct mem_reader base;
    pid_t pid;
    enum mem_backend backend;
    int fd;                      /* /proc/PID/mem, or -1 */
    uint64_t syscalls;           /* read system calls issued */
    double probe_ns[3];          /* per-read cost measured at open, by backend; 0 if not measured */
    /* Scratch reused across readv calls so sampling does not allocate. */
    struct iovec *liov, *riov;
    size_t iov_cap;
    struct span_order *order;
    size_t order_cap;
    unsigned char *buf;
    size_t buf_cap;
};

extern const struct mem_reader_ops proc_vm_ops;
extern const struct mem_reader_ops proc_mem_ops;

/* Shared by both backends. */
/* Sort spans by address, ties by index (the order both backends merge in). */
void proc_reader_sort_order(struct span_order *o, size_t n);
int proc_reader_read_error(struct proc_reader *r, uint64_t addr, size_t len, int errnum);
int proc_reader_short_read(struct proc_reader *r, uint64_t addr, size_t len, size_t got);
void proc_reader_destroy(struct mem_reader *base);

/* NULL when r is not a process reader. */
struct proc_reader *proc_reader_of(struct mem_reader *r);
/* System calls a process reader has issued (0 for other readers). */
uint64_t mem_reader_syscalls(const struct mem_reader *r);
/* Nanoseconds per 8-byte read measured for backend b when the reader was
 * opened with MEM_BACKEND_AUTO; 0 when not measured. */
double mem_reader_probe_ns(const struct mem_reader *r, enum mem_backend b);

#endif

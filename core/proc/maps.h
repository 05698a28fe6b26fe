/* Parsing /proc/PID/maps into a list of mappings. */
#ifndef CORE_PROC_MAPS_H
#define CORE_PROC_MAPS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct proc_map {
    uint64_t start;
    uint64_t end;
    uint64_t offset;        /* file offset of start */
    unsigned dev_major;
    unsigned dev_minor;
    uint64_t inode;         /* 0 for anonymous mappings */
    char perms[5];          /* "r-xp" */
    int deleted;            /* the kernel marked the file " (deleted)" */
    char *path;             /* "" when there is none; suffix " (deleted)" removed */
};

struct proc_maps {
    struct proc_map *v;
    size_t n;
};

/* 0, ERR_NOPROC, ERR_PERM (message with the hint), ERR_NOMEM, ERR_IO. */
int proc_maps_read(pid_t pid, struct proc_maps *out);
/* Parse one line (with or without its newline). 0 or ERR_INVALID; on
 * success m->path is allocated and owned by the caller. */
int proc_maps_parse_line(const char *line, struct proc_map *m);
void proc_maps_free(struct proc_maps *maps);

/* Is the mapping backed by a file (as opposed to anonymous memory or a
 * kernel pseudo-mapping such as [heap] or [vdso])? */
int proc_map_is_file(const struct proc_map *m);

#endif

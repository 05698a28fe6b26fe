/* proc_find_python and friends: choosing the file that holds the runtime,
 * opening it the way the target sees it, and turning ELF addresses into
 * target addresses.
 *
 * Parsed symbol tables are not kept: proc_resolve_symbol re-reads the maps
 * and opens the ELF file on every call, which keeps struct py_image a plain
 * value that needs no cleanup. The answers of symbol lookups are cached by
 * file identity, though: a lookup reads the whole string table, and with
 * --subprocesses every child opens the same interpreter again. */
#include "proc/process.h"

#include "common/err.h"
#include "mem/target_err.h"
#include "proc/elf.h"
#include "proc/maps.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define DELETED_SUFFIX " (deleted)"

static uint64_t page_size(void)
{
    long p = sysconf(_SC_PAGESIZE);
    return p > 0 ? (uint64_t)p : 4096u;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* What /proc/PID/exe points at: its path (without " (deleted)") and, when
 * it can be stat'ed, its identity. Failure is not fatal: the finder then
 * only looks at libpython. */
struct exe_id {
    char path[PATH_MAX];
    int have_stat;
    struct stat st;
};

static void read_exe_id(pid_t pid, struct exe_id *id)
{
    char link[64];
    ssize_t n;
    size_t sl = sizeof DELETED_SUFFIX - 1;

    memset(id, 0, sizeof *id);
    snprintf(link, sizeof link, "/proc/%d/exe", (int)pid);
    n = readlink(link, id->path, sizeof id->path - 1);
    if (n < 0)
        n = 0;
    id->path[n] = '\0';
    if ((size_t)n >= sl && strcmp(id->path + n - sl, DELETED_SUFFIX) == 0)
        id->path[n - sl] = '\0';
    id->have_stat = stat(link, &id->st) == 0;
}

static int map_is_exe(const struct proc_map *m, const struct exe_id *id)
{
    if (!proc_map_is_file(m))
        return 0;
    if (id->have_stat && m->inode == (uint64_t)id->st.st_ino &&
        m->dev_major == major(id->st.st_dev) && m->dev_minor == minor(id->st.st_dev))
        return 1;
    return id->path[0] != '\0' && strcmp(m->path, id->path) == 0;
}

/* Open the file behind mapping m as the target sees it: through its root
 * (right for containers), then through map_files (works for deleted
 * files), then by plain path. A deleted file is never opened by path: a
 * new file there (an upgraded package) has different addresses. A file
 * whose inode matches the mapping is preferred over one that merely opens. */
static int open_mapped_file(pid_t pid, const struct proc_map *m, int *fd_out)
{
    char paths[3][PATH_MAX + 64];
    size_t n = 0, i;
    int fallback = -1, last_errno = ENOENT;

    if (!m->deleted)
        snprintf(paths[n++], sizeof paths[0], "/proc/%d/root%s", (int)pid, m->path);
    snprintf(paths[n++], sizeof paths[0], "/proc/%d/map_files/%llx-%llx", (int)pid,
             (unsigned long long)m->start, (unsigned long long)m->end);
    if (!m->deleted)
        snprintf(paths[n++], sizeof paths[0], "%s", m->path);

    for (i = 0; i < n; i++) {
        struct stat st;
        int fd = open(paths[i], O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            if (last_errno == ENOENT || errno == EACCES || errno == EPERM)
                last_errno = errno;
            continue;
        }
        if (fstat(fd, &st) == 0 && (uint64_t)st.st_ino == m->inode) {
            if (fallback >= 0)
                close(fallback);
            *fd_out = fd;
            return 0;
        }
        if (fallback < 0)
            fallback = fd;
        else
            close(fd);
    }
    if (fallback >= 0) {
        *fd_out = fallback;
        return 0;
    }
    if (last_errno == EACCES || last_errno == EPERM) {
        char what[PATH_MAX + 16];
        snprintf(what, sizeof what, "open %s", m->path);
        return target_err_perm(pid, what, last_errno);
    }
    return diag_set(ERR_IO, "Cannot open %s mapped by process %d: %s", m->path, (int)pid,
                    strerror(last_errno));
}

#define SYM_CACHE_SIZE 64

struct sym_cache_entry {
    int used;
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    int section;                 /* a section name rather than a symbol */
    char name[32];
    int rc;                      /* 0 or ERR_NOTPYTHON */
    uint64_t value, len;
};

static struct sym_cache_entry sym_cache[SYM_CACHE_SIZE];
static size_t sym_cache_next;

static int open_elf(pid_t pid, const struct proc_map *m, struct elf_file **e, struct stat *st)
{
    int fd, rc;
    if ((rc = open_mapped_file(pid, m, &fd)))
        return rc;
    if (fstat(fd, st) != 0)
        memset(st, 0, sizeof *st);
    return elf_open(fd, m->path, e);
}

static int same_identity(const struct sym_cache_entry *c, const struct stat *st)
{
    return c->dev == st->st_dev && c->ino == st->st_ino && c->size == st->st_size &&
           c->mtime.tv_sec == st->st_mtim.tv_sec && c->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

/* elf_find_section / elf_find_symbol, answered from the cache when this
 * very file (device, inode, size, modification time) was asked before. */
static int lookup(struct elf_file *e, const struct stat *st, int section, const char *name, uint64_t *value,
                  uint64_t *len)
{
    struct sym_cache_entry *c;
    size_t i;
    int rc;

    for (i = 0; st->st_ino && i < SYM_CACHE_SIZE; i++) {
        c = &sym_cache[i];
        if (c->used && c->section == section && strcmp(c->name, name) == 0 && same_identity(c, st)) {
            *value = c->value;
            *len = c->len;
            return c->rc;
        }
    }
    rc = section ? elf_find_section(e, name, value, len) : elf_find_symbol(e, name, value, len);
    if ((rc == 0 || rc == ERR_NOTPYTHON) && st->st_ino && strlen(name) < sizeof c->name) {
        c = &sym_cache[sym_cache_next++ % SYM_CACHE_SIZE];
        memset(c, 0, sizeof *c);
        c->used = 1;
        c->dev = st->st_dev;
        c->ino = st->st_ino;
        c->size = st->st_size;
        c->mtime = st->st_mtim;
        c->section = section;
        snprintf(c->name, sizeof c->name, "%s", name);
        c->rc = rc;
        c->value = rc == 0 ? *value : 0;
        c->len = rc == 0 ? *len : 0;
    }
    return rc;
}

static int address_is_mapped(const struct proc_maps *maps, uint64_t addr)
{
    size_t i;
    for (i = 0; i < maps->n; i++)
        if (addr >= maps->v[i].start && addr < maps->v[i].end)
            return 1;
    return 0;
}

/* Look for the runtime in the file mapped at m (its offset-0 mapping).
 * 0 with out filled, ERR_NOTPYTHON when the file does not define it, or
 * another error. */
static int runtime_in_file(pid_t pid, const struct proc_maps *maps, const struct proc_map *m,
                           struct py_image *out)
{
    struct elf_file *e = NULL;
    uint64_t addr = 0, size = 0, bias = 0, ver = 0, ver_size = 0;
    struct stat st;
    int rc;

    if ((rc = open_elf(pid, m, &e, &st)))
        return rc;
    /* The section, when present, is exactly the runtime structure and is
     * what CPython's own remote debugging code looks for first. */
    rc = lookup(e, &st, 1, ".PyRuntime", &addr, &size);
    if (rc == ERR_NOTPYTHON)
        rc = lookup(e, &st, 0, "_PyRuntime", &addr, &size);
    if (rc)
        goto out;
    if ((rc = elf_load_bias(e, m->start, m->offset, page_size(), &bias)))
        goto out;
    memset(out, 0, sizeof *out);
    out->pid = pid;
    snprintf(out->path, sizeof out->path, "%s", m->path);
    out->load_bias = bias;
    out->runtime_addr = addr + bias;
    out->runtime_size = size;
    rc = lookup(e, &st, 0, "Py_Version", &ver, &ver_size);
    if (rc == 0)
        out->py_version_addr = ver + bias;
    else if (rc != ERR_NOTPYTHON)
        goto out;
    rc = 0;
    if (!address_is_mapped(maps, out->runtime_addr)) {
        rc = diag_set(ERR_CORRUPT,
                      "_PyRuntime of %s resolves to 0x%llx, outside every mapping of process %d",
                      m->path, (unsigned long long)out->runtime_addr, (int)pid);
    }
out:
    elf_close(e);
    return rc;
}

static int same_file(const struct proc_map *a, const struct proc_map *b)
{
    return a->inode == b->inode && a->dev_major == b->dev_major &&
           a->dev_minor == b->dev_minor && strcmp(a->path, b->path) == 0;
}

/* Does a failure on one candidate file end the search? A permission or
 * memory problem would hit every other candidate too; a file that merely
 * lacks the runtime, or cannot be opened or parsed, does not. */
static int search_stops(int rc)
{
    return rc != ERR_NOTPYTHON && rc != ERR_INVALID && rc != ERR_IO && rc != ERR_CORRUPT;
}

/* Remember why the first plausible candidate failed, for the final message. */
static void note_failure(int rc, char *why, size_t cap)
{
    if (rc != ERR_NOTPYTHON && why[0] == '\0')
        snprintf(why, cap, "; %s", diag_message());
}

int proc_find_python(pid_t pid, struct py_image *out)
{
    struct proc_maps maps = {0};
    struct exe_id *id = NULL;
    char why[512] = "";
    size_t i, j;
    int rc, saw_exe = 0;

    memset(out, 0, sizeof *out);
    if ((rc = proc_maps_read(pid, &maps)))
        return rc;
    if (maps.n == 0) {
        /* A zombie, or a process that exited between the checks, has an
         * empty map; a live kernel thread does too but is no Python. */
        rc = proc_alive(pid) ? diag_set(ERR_NOTPYTHON,
                                        "No Python runtime found in process %d: it has no memory mappings",
                                        (int)pid)
                             : target_err_noproc(pid);
        goto out;
    }
    id = calloc(1, sizeof *id);
    if (!id) {
        rc = diag_set(ERR_NOMEM, "out of memory");
        goto out;
    }
    read_exe_id(pid, id);

    /* A statically linked interpreter defines the runtime in the
     * executable itself, so it is tried first. */
    for (i = 0; i < maps.n; i++) {
        const struct proc_map *m = &maps.v[i];
        if (m->offset != 0 || !map_is_exe(m, id))
            continue;
        saw_exe = 1;
        rc = runtime_in_file(pid, &maps, m, out);
        if (rc == 0 || search_stops(rc))
            goto out;
        note_failure(rc, why, sizeof why);
        break;
    }
    for (i = 0; i < maps.n; i++) {
        const struct proc_map *m = &maps.v[i];
        int seen = 0;
        if (m->offset != 0 || !proc_map_is_file(m) ||
            strncmp(base_name(m->path), "libpython", 9) != 0)
            continue;
        for (j = 0; j < i && !seen; j++)
            seen = maps.v[j].offset == 0 && same_file(&maps.v[j], m);
        if (seen)
            continue;
        rc = runtime_in_file(pid, &maps, m, out);
        if (rc == 0 || search_stops(rc))
            goto out;
        note_failure(rc, why, sizeof why);
    }
    if (!proc_alive(pid)) {
        rc = target_err_noproc(pid);
        goto out;
    }
    rc = diag_set(ERR_NOTPYTHON,
                  "No Python runtime found in process %d (executable %s): %s%s",
                  (int)pid, id->path[0] ? id->path : "unknown",
                  saw_exe ? "neither it nor a mapped libpython defines _PyRuntime"
                          : "no mapped libpython defines _PyRuntime",
                  why);
out:
    free(id);
    proc_maps_free(&maps);
    if (rc)
        memset(out, 0, sizeof *out);
    return rc;
}

int proc_resolve_symbol(const struct py_image *img, const char *name, uint64_t *addr)
{
    struct proc_maps maps = {0};
    struct elf_file *e = NULL;
    const struct proc_map *m = NULL;
    uint64_t value = 0, size = 0;
    struct stat st;
    size_t i;
    int rc;

    *addr = 0;
    if ((rc = proc_maps_read(img->pid, &maps)))
        return rc;
    for (i = 0; i < maps.n && !m; i++)
        if (maps.v[i].offset == 0 && proc_map_is_file(&maps.v[i]) &&
            strcmp(maps.v[i].path, img->path) == 0)
            m = &maps.v[i];
    if (!m) {
        rc = proc_alive(img->pid)
                 ? diag_set(ERR_NOTPYTHON, "%s is no longer mapped by process %d",
                            img->path, (int)img->pid)
                 : target_err_noproc(img->pid);
        goto out;
    }
    if ((rc = open_elf(img->pid, m, &e, &st)))
        goto out;
    rc = lookup(e, &st, 0, name, &value, &size);
    if (rc == ERR_NOTPYTHON)
        rc = diag_set(ERR_NOTPYTHON, "Symbol %s not found in %s (process %d)", name,
                      img->path, (int)img->pid);
    if (rc == 0)
        *addr = value + img->load_bias;
out:
    elf_close(e);
    proc_maps_free(&maps);
    return rc;
}

int proc_find_section(pid_t pid, const char *section, uint64_t *addr, uint64_t *size)
{
    struct proc_maps maps = {0};
    size_t i, j;
    int rc;

    *addr = *size = 0;
    if ((rc = proc_maps_read(pid, &maps)))
        return rc;
    rc = ERR_NOTPYTHON;
    for (i = 0; i < maps.n && rc == ERR_NOTPYTHON; i++) {
        const struct proc_map *m = &maps.v[i];
        const char *base = base_name(m->path);
        struct elf_file *e = NULL;
        uint64_t sa = 0, ss = 0, bias = 0;
        struct stat st;
        int seen = 0, r;
        if (m->offset != 0 || !proc_map_is_file(m) ||
            (!strstr(base, "python") && strncmp(base, "_asyncio", 8) != 0))
            continue;
        for (j = 0; j < i && !seen; j++)
            seen = maps.v[j].offset == 0 && same_file(&maps.v[j], m);
        if (seen || open_elf(pid, m, &e, &st))
            continue;
        r = lookup(e, &st, 1, section, &sa, &ss);
        if (r == 0)
            r = elf_load_bias(e, m->start, m->offset, page_size(), &bias);
        if (r == 0 && address_is_mapped(&maps, sa + bias)) {
            *addr = sa + bias;
            *size = ss;
            rc = 0;
        }
        elf_close(e);
    }
    if (rc == ERR_NOTPYTHON && !proc_alive(pid))
        rc = target_err_noproc(pid);
    else if (rc == ERR_NOTPYTHON)
        rc = diag_set(ERR_NOTPYTHON, "no mapped file of process %d has a %s section", (int)pid, section);
    proc_maps_free(&maps);
    return rc;
}

int proc_alive(pid_t pid)
{
    char path[64], buf[512];
    const char *close_paren;
    ssize_t n;
    int fd;

    if (pid <= 0)
        return 0;
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    /* The command name is in parentheses and may itself contain ')', so the
     * state is the field after the last one. */
    close_paren = strrchr(buf, ')');
    if (!close_paren || close_paren[1] != ' ' || close_paren[2] == '\0')
        return 0;
    return close_paren[2] != 'Z' && close_paren[2] != 'X';
}

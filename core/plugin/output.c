/* Plugin outputs. A report for a regular file is written to a temporary
 * file in the destination's directory and renamed over it only when the
 * plugin commits it, so readers never see half a file and an aborted run
 * leaves any previous report intact. Symlinks are written through (the
 * rename replaces their target, not the link), and anything that is not a
 * regular file (a terminal, /dev/null, a FIFO, /dev/stdout or
 * /proc/self/fd/N) is written directly, as any Unix tool would: renaming
 * over a device or a pipe would replace it with a plain file. */
#include "session_private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"

struct tachyon_output {
    struct plugin_session *owner;
    struct tachyon_output *next;
    FILE *fp;
    int is_stdout;
    int direct;        /* written in place: not a regular file we may rename over */
    int error;         /* a write failed: commit must fail too */
    char *dest;
    char *tmp;
};

static void unlink_output(struct tachyon_output *o)
{
    struct tachyon_output **pp = &o->owner->outputs;
    while (*pp && *pp != o)
        pp = &(*pp)->next;
    if (*pp)
        *pp = o->next;
}

static void free_output(struct tachyon_output *o)
{
    free(o->dest);
    free(o->tmp);
    free(o);
}

/* Files under /dev and /proc (/dev/stdout, /proc/self/fd/1) name an open
 * descriptor or a kernel object even when stat() calls them regular: they
 * are written in place, never replaced. */
static int is_special_path(const char *path)
{
    return strncmp(path, "/dev/", 5) == 0 || strncmp(path, "/proc/", 6) == 0;
}

/* /dev/stdout, /dev/stderr, /dev/fd/N and /proc/self/fd/N name a
 * descriptor tachyon already has: it is duplicated, not reopened, as
 * shells do, so a pipe or terminal we could not open by name (another
 * user's) still works, and a file keeps its offset. -1 otherwise. */
int output_fd_alias(const char *path)
{
    const char *num = NULL;
    char *end;
    long n;

    if (strcmp(path, "/dev/stdout") == 0)
        return 1;
    if (strcmp(path, "/dev/stderr") == 0)
        return 2;
    if (strncmp(path, "/dev/fd/", 8) == 0)
        num = path + 8;
    else if (strncmp(path, "/proc/self/fd/", 14) == 0)
        num = path + 14;
    if (!num || *num < '0' || *num > '9')
        return -1;
    n = strtol(num, &end, 10);
    if (*end || n < 0 || n > 1 << 20)
        return -1;
    return (int)n;
}

static int open_direct(struct tachyon_output *o, const char *path, int regular)
{
    int alias = output_fd_alias(path);
    int fd = alias >= 0 ? fcntl(alias, F_DUPFD_CLOEXEC, 3)
                        : open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY | (regular ? O_TRUNC : 0));

    if (fd < 0) {
        host_logf(o->owner, TACHYON_LOG_ERROR, "cannot write %s: %s", path, strerror(errno));
        return TACHYON_ERR_IO;
    }
    o->direct = 1;
    o->fp = fdopen(fd, "w");
    if (!o->fp) {
        close(fd);
        return TACHYON_ERR_NOMEM;
    }
    return 0;
}

/* The path a dangling symlink names (relative to the link's directory),
 * or NULL when path is not a symlink. */
static char *dangling_target(const char *path)
{
    char target[4096], *res;
    const char *slash;
    struct stat st;
    ssize_t n;
    size_t dl;

    if (lstat(path, &st) != 0 || !S_ISLNK(st.st_mode))
        return NULL;
    n = readlink(path, target, sizeof target - 1);
    if (n <= 0)
        return NULL;
    target[n] = '\0';
    slash = strrchr(path, '/');
    if (target[0] == '/' || !slash)
        return strdup(target);
    dl = (size_t)(slash - path) + 1;
    res = malloc(dl + (size_t)n + 1);
    if (!res)
        return NULL;
    memcpy(res, path, dl);
    memcpy(res + dl, target, (size_t)n + 1);
    return res;
}

static int open_file(struct tachyon_output *o, const char *path)
{
    static const char suffix[] = ".tmp.XXXXXX";
    struct stat st;
    char *real = NULL;
    const char *target = path;
    size_t n;
    mode_t mode, mask;
    int fd, exists;

    o->dest = strdup(path);
    if (!o->dest)
        return TACHYON_ERR_NOMEM;
    exists = stat(path, &st) == 0;
    if (output_fd_alias(path) >= 0)
        return open_direct(o, path, 0);
    if (exists && (!S_ISREG(st.st_mode) || is_special_path(path)))
        return open_direct(o, path, S_ISREG(st.st_mode));
    /* Write through a symlink: the temporary file goes next to the file
     * the link names, and the rename replaces that file (or creates it,
     * for a link that points nowhere yet). */
    if (exists) {
        real = realpath(path, NULL);
        if (real)
            target = real;
    } else {
        real = dangling_target(path);
        if (real)
            target = real;
    }
    n = strlen(target);
    o->tmp = malloc(n + sizeof suffix);
    if (!o->tmp) {
        free(real);
        return TACHYON_ERR_NOMEM;
    }
    memcpy(o->tmp, target, n);
    memcpy(o->tmp + n, suffix, sizeof suffix);
    if (real) {
        free(o->dest);
        o->dest = real;
    }
    fd = mkstemp(o->tmp);
    if (fd < 0) {
        host_logf(o->owner, TACHYON_LOG_ERROR, "cannot write %s: %s", path, strerror(errno));
        free(o->tmp);
        o->tmp = NULL;
        return TACHYON_ERR_IO;
    }
    /* mkstemp creates 0600: a file that existed keeps its mode, a new
     * report gets the usual permissions. A failure is not fatal: the
     * report is merely more private. */
    mask = umask(0);
    umask(mask);
    mode = exists ? (st.st_mode & 07777) : (0666 & ~mask);
    (void)fchmod(fd, mode);
    o->fp = fdopen(fd, "w");
    if (!o->fp) {
        close(fd);
        unlink(o->tmp);
        return TACHYON_ERR_NOMEM;
    }
    return 0;
}

int host_output_open(const tachyon_host *host, const char *path, tachyon_output **out)
{
    struct plugin_session *s = (struct plugin_session *)host->host_data;
    struct tachyon_output *o;
    int rc;

    if (!out)
        return TACHYON_ERR_INVALID;
    *out = NULL;
    if (!path)
        path = s->cfg.session->output_path;
    o = calloc(1, sizeof *o);
    if (!o)
        return TACHYON_ERR_NOMEM;
    o->owner = s;
    /* A quiet session (a --subprocesses child) shows nothing on the console,
     * as upstream's child profilers do: its end-of-run lines are dropped. */
    if (s->cfg.quiet && (!path || strcmp(path, TACHYON_OUTPUT_STDOUT) == 0))
        path = "/dev/null";
    if (!path || strcmp(path, TACHYON_OUTPUT_STDOUT) == 0) {
        o->is_stdout = 1;
        o->fp = stdout;
    } else {
        rc = open_file(o, path);
        if (rc < 0) {
            free_output(o);
            return rc;
        }
    }
    o->next = s->outputs;
    s->outputs = o;
    *out = o;
    return 0;
}

int host_output_write(tachyon_output *o, const void *data, size_t len)
{
    if (!o)
        return TACHYON_ERR_INVALID;
    if (len > 0 && fwrite(data, 1, len, o->fp) != len) {
        o->error = errno ? errno : EIO;
        return TACHYON_ERR_IO;
    }
    return 0;
}

int host_output_printf(tachyon_output *o, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (!o)
        return TACHYON_ERR_INVALID;
    va_start(ap, fmt);
    n = vfprintf(o->fp, fmt, ap);
    va_end(ap);
    if (n < 0) {
        o->error = errno ? errno : EIO;
        return TACHYON_ERR_IO;
    }
    return 0;
}

int host_output_is_terminal(tachyon_output *o)
{
    return o && o->is_stdout && isatty(STDOUT_FILENO);
}

static int commit_file(struct tachyon_output *o)
{
    int err = o->error;

    if (fflush(o->fp) != 0 && !err)
        err = errno;
    /* The data must be on disk before the rename makes it visible, or a
     * crash could leave an empty report under the final name. */
    if (!err && fsync(fileno(o->fp)) != 0 && !(o->direct && (errno == EINVAL || errno == EROFS)))
        err = errno;
    if (fclose(o->fp) != 0 && !err)
        err = errno;
    o->fp = NULL;
    if (!err && !o->direct && rename(o->tmp, o->dest) != 0)
        err = errno;
    if (err) {
        host_logf(o->owner, TACHYON_LOG_ERROR, "cannot write %s: %s", o->dest, strerror(err));
        if (!o->direct)
            unlink(o->tmp);
        return TACHYON_ERR_IO;
    }
    return 0;
}

int host_output_close(tachyon_output *o, int commit)
{
    int rc = 0;

    if (!o)
        return TACHYON_ERR_INVALID;
    unlink_output(o);
    if (o->is_stdout) {
        int err = o->error;
        if (fflush(stdout) != 0 && !err)
            err = errno ? errno : EIO;
        if (err) {
            host_logf(o->owner, TACHYON_LOG_ERROR, "cannot write standard output: %s", strerror(err));
            rc = TACHYON_ERR_IO;
        }
    } else if (commit) {
        rc = commit_file(o);
    } else {
        fclose(o->fp);
        if (!o->direct)
            unlink(o->tmp);
    }
    free_output(o);
    return rc;
}

void host_abort_outputs(struct plugin_session *s)
{
    while (s->outputs)
        host_output_close(s->outputs, 0);
}

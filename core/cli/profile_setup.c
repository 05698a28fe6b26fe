#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/err.h"
#include "../plugin/session.h"
#include "profile_priv.h"

/* Replace every "{pid}" in pattern. */
static int expand_pid(const char *pattern, pid_t pid, char **out)
{
    char pidbuf[24], *res, *w;
    size_t plen, count = 0;
    const char *r;

    plen = (size_t)snprintf(pidbuf, sizeof pidbuf, "%d", (int)pid);
    for (r = pattern; (r = strstr(r, "{pid}")) != NULL; r += 5)
        count++;
    res = malloc(strlen(pattern) + count * plen + 1);
    if (!res)
        return ERR_NOMEM;
    w = res;
    for (r = pattern; *r;) {
        if (strncmp(r, "{pid}", 5) == 0) {
            memcpy(w, pidbuf, plen);
            w += plen;
            r += 5;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
    *out = res;
    return 0;
}

static int join_path(const char *dir, const char *name, char **out)
{
    size_t dl = strlen(dir), nl = strlen(name);
    int slash = dl && dir[dl - 1] != '/';
    char *res = malloc(dl + (size_t)slash + nl + 1);
    if (!res)
        return ERR_NOMEM;
    memcpy(res, dir, dl);
    if (slash)
        res[dl] = '/';
    memcpy(res + dl + (size_t)slash, name, nl + 1);
    *out = res;
    return 0;
}

int profile_output_path(const struct cli_opts *o, const tachyon_format *fmt, pid_t pid, char **out)
{
    const char *def = fmt->default_output;
    struct stat st;
    char *name = NULL;
    int rc = 0;

    *out = NULL;
    if (o->s.output && strcmp(o->s.output, "-") == 0)
        return 0;
    if (o->s.output) {
        if (!(fmt->flags & TACHYON_FORMAT_DIRECTORY) && def && stat(o->s.output, &st) == 0 &&
            S_ISDIR(st.st_mode)) {
            rc = expand_pid(def, pid, &name);
            if (!rc)
                rc = join_path(o->s.output, name, out);
            free(name);
            return rc;
        }
        *out = strdup(o->s.output);
        return *out ? 0 : ERR_NOMEM;
    }
    if ((fmt->flags & TACHYON_FORMAT_STDOUT) || !def || !*def)
        return 0;
    return expand_pid(def, pid, out);
}

static int output_is_stdout(const char *path)
{
    struct stat a, b;
    return stat(path, &a) == 0 && fstat(STDOUT_FILENO, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

FILE *profile_report_stream(const tachyon_format *fmt, const char *output_path)
{
    if (!output_path && !(fmt->flags & TACHYON_FORMAT_STDOUT))
        return stderr;
    if (output_path && output_is_stdout(output_path))
        return stderr;
    return stdout;
}

void profile_report_output(const struct cli_opts *o, const tachyon_format *fmt, const char *output_path)
{
    if (!output_path)
        return;
    if (!(fmt->flags & (TACHYON_FORMAT_DIRECTORY | TACHYON_FORMAT_ANNOUNCES)))
        fprintf(stderr, "Profile written to %s\n", output_path);
    if (o->browser)
        cli_open_browser(o->s.format, output_path, (fmt->flags & TACHYON_FORMAT_DIRECTORY) != 0);
}

void profile_fill_session(const struct cli_opts *o, tachyon_session *s, pid_t pid, uint32_t hexversion,
                          const char *version, const char *output_path, const char *command_line)
{
    memset(s, 0, sizeof *s);
    s->struct_size = sizeof *s;
    s->mode = (uint32_t)o->s.mode;
    s->pid = pid;
    s->python_hexversion = hexversion;
    s->python_version = version;
    s->interval_us = o->s.interval_us;
    s->format = o->s.format;
    s->output_path = output_path;
    s->command_line = command_line;
    if (o->s.all_threads)
        s->flags |= TACHYON_SESSION_ALL_THREADS;
    if (o->s.native)
        s->flags |= TACHYON_SESSION_NATIVE;
    if (o->s.gc)
        s->flags |= TACHYON_SESSION_GC;
    if (o->s.opcodes)
        s->flags |= TACHYON_SESSION_OPCODES;
    if (o->s.async_aware)
        s->flags |= TACHYON_SESSION_ASYNC_AWARE;
    if (o->s.async_all)
        s->flags |= TACHYON_SESSION_ASYNC_ALL;
    if (o->live)
        s->flags |= TACHYON_SESSION_LIVE;
}

static int output_error(const char *path, const char *fmt, const char *detail)
{
    return diag_set(ERR_IO, "cannot write the output to %s: %s%s", path, fmt, detail ? detail : "");
}

/* The directory a new file (or the temporary file renamed over an old one)
 * is created in must exist and be writable. */
static int check_dir_of(const char *shown, const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    struct stat st;
    size_t len;

    if (slash) {
        len = (size_t)(slash - path);
        if (len >= sizeof dir)
            return diag_set(ERR_INVALID, "output path too long: %s", shown);
        memcpy(dir, path, len);
        dir[len] = '\0';
        if (len == 0)
            snprintf(dir, sizeof dir, "/");
    } else {
        snprintf(dir, sizeof dir, ".");
    }
    if (stat(dir, &st) != 0)
        return diag_set(ERR_IO, "cannot write the output to %s: directory %s: %s", shown, dir, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return diag_set(ERR_IO, "cannot write the output to %s: %s is not a directory", shown, dir);
    if (access(dir, W_OK | X_OK) != 0)
        return diag_set(ERR_IO, "cannot write the output to %s: directory %s: %s", shown, dir, strerror(errno));
    return 0;
}

/* Where a dangling symlink points, for writing through it. */
static int link_target(const char *link, char *out, size_t len)
{
    char target[4096];
    const char *slash;
    ssize_t n = readlink(link, target, sizeof target - 1);

    if (n <= 0)
        return -1;
    target[n] = '\0';
    slash = strrchr(link, '/');
    if (target[0] == '/' || !slash)
        return (size_t)snprintf(out, len, "%s", target) < len ? 0 : -1;
    return (size_t)snprintf(out, len, "%.*s/%s", (int)(slash - link), link, target) < len ? 0 : -1;
}

/* Everything an output can be checked for before profiling starts, so a
 * run is never thrown away at the end, and with the real reason: the
 * directory of a new file, write permission on an existing one, a
 * device or FIFO written in place (output.c), a read-only kernel file. */
int profile_check_output_location(const struct cli_opts *o, const tachyon_format *fmt)
{
    const char *path = o->s.output;
    char resolved[4096];
    struct stat st;
    int rc;

    if (path && strcmp(path, "-") == 0)
        return 0;
    if (!path && (fmt->flags & TACHYON_FORMAT_STDOUT))
        return 0;
    if (!path)
        return check_dir_of("the current directory", "./x");
    if (output_fd_alias(path) >= 0) {
        int flags = fcntl(output_fd_alias(path), F_GETFL);
        if (flags < 0)
            return output_error(path, strerror(errno), NULL);
        if ((flags & O_ACCMODE) == O_RDONLY)
            return output_error(path, "the descriptor is open for reading only", NULL);
        return 0;
    }
    if (stat(path, &st) != 0) {
        if (errno != ENOENT)
            return output_error(path, strerror(errno), NULL);
        if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
            if (link_target(path, resolved, sizeof resolved) != 0)
                return output_error(path, "cannot follow the symbolic link", NULL);
            return check_dir_of(path, resolved);
        }
        return check_dir_of(path, path);
    }
    if (S_ISDIR(st.st_mode)) {
        char probe[4096];
        if (fmt->flags & TACHYON_FORMAT_DIRECTORY)
            return 0;
        snprintf(probe, sizeof probe, "%s/x", path);
        return check_dir_of(path, probe);
    }
    if (S_ISSOCK(st.st_mode))
        return output_error(path, "it is a socket", NULL);
    /* Kernel files carry their real permissions in the mode: /proc/version
     * opens for writing as root and then fails every write. */
    if (S_ISREG(st.st_mode) && (strncmp(path, "/proc/", 6) == 0 || strncmp(path, "/sys/", 5) == 0) &&
        (st.st_mode & 0222) == 0)
        return output_error(path, strerror(EACCES), " (a read-only kernel file)");
    if (access(path, W_OK) != 0)
        return output_error(path, strerror(errno), NULL);
    if (!S_ISREG(st.st_mode) || strncmp(path, "/dev/", 5) == 0 || strncmp(path, "/proc/", 6) == 0)
        return 0;
    /* A regular file is replaced by a rename in the directory of the file
     * itself (through any symlink). */
    if (!realpath(path, resolved))
        return output_error(path, strerror(errno), NULL);
    rc = check_dir_of(path, resolved);
    return rc;
}

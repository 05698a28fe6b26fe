/* The services table (tachyon_host) a plugin receives, except outputs,
 * which live in output.c. */
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
#include "intern/intern.h"
#include "plugin/descriptor.h"

/* Source files beyond this are not source a report wants to show. */
#define SOURCE_MAX ((size_t)16 << 20)

static struct plugin_session *session_of(const tachyon_host *host)
{
    return (struct plugin_session *)host->host_data;
}

static const char *level_name(int level)
{
    switch (level) {
    case TACHYON_LOG_ERROR: return "error";
    case TACHYON_LOG_WARNING: return "warning";
    case TACHYON_LOG_INFO: return "info";
    default: return "debug";
    }
}

static void vlog(const struct plugin_session *s, int level, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void vlog(const struct plugin_session *cs, int level, const char *fmt, va_list ap)
{
    /* Logging is the session's own bookkeeping, not a change the plugin sees. */
    struct plugin_session *s = (struct plugin_session *)cs;
    char line[2048];
    size_t n;

    if (level >= TACHYON_LOG_DEBUG && !s->debug)
        return;
    if (level >= TACHYON_LOG_INFO && s->cfg.quiet)
        return;
    vsnprintf(line, sizeof line, fmt, ap);
    /* One message is one line whether or not the plugin ended it with \n. */
    n = strlen(line);
    while (n > 0 && line[n - 1] == '\n')
        line[--n] = '\0';
    if (level <= TACHYON_LOG_ERROR)
        s->error_logged = 1;
    fprintf(stderr, "%s: %s: %s\n", s->desc->name, level_name(level), line);
}

void host_logf(const struct plugin_session *s, int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(s, level, fmt, ap);
    va_end(ap);
}

static void h_log(const tachyon_host *host, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void h_log(const tachyon_host *host, int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(session_of(host), level, fmt, ap);
    va_end(ap);
}

static const char *h_string(const tachyon_host *host, tachyon_str_id id, size_t *len)
{
    return interner_string(session_of(host)->cfg.interner, id, len);
}

static const tachyon_frame *h_frame(const tachyon_host *host, tachyon_frame_id id)
{
    return interner_frame(session_of(host)->cfg.interner, id);
}

static uint32_t h_frame_count(const tachyon_host *host)
{
    return interner_frame_count(session_of(host)->cfg.interner);
}

static const char *h_option(const tachyon_host *host, const char *key)
{
    struct plugin_session *s = session_of(host);

    if (!key)
        return NULL;
    for (uint32_t i = 0; i < s->desc->option_count; i++)
        if (strcmp(descriptor_option(s->desc, i)->name, key) == 0)
            return s->opt_values[i];
    return NULL;
}

static const tachyon_stats *h_stats(const tachyon_host *host)
{
    struct plugin_session *s = session_of(host);
    return s->cfg.stats ? s->cfg.stats : &s->empty_stats;
}

static int h_make_directory(const tachyon_host *host, const char *path)
{
    char *copy;
    size_t len;
    int rc = 0;

    if (!path || !*path)
        return TACHYON_ERR_INVALID;
    len = strlen(path);
    copy = malloc(len + 1);
    if (!copy)
        return TACHYON_ERR_NOMEM;
    memcpy(copy, path, len + 1);
    /* Create each prefix in turn; existing components are fine, as long as
     * the last one really is a directory. */
    for (size_t i = 1; i <= len; i++) {
        if (copy[i] != '/' && copy[i] != '\0')
            continue;
        copy[i] = '\0';
        if (mkdir(copy, 0777) != 0 && errno != EEXIST) {
            host_logf(session_of(host), TACHYON_LOG_ERROR, "cannot create directory %s: %s", copy,
                      strerror(errno));
            rc = TACHYON_ERR_IO;
            break;
        }
        if (i < len)
            copy[i] = '/';
    }
    if (rc == 0) {
        struct stat st;
        if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
            host_logf(session_of(host), TACHYON_LOG_ERROR, "%s exists and is not a directory",
                      path);
            rc = TACHYON_ERR_IO;
        }
    }
    free(copy);
    return rc;
}

static int read_file(const char *path, char **data, size_t *len)
{
    struct stat st;
    char *buf = NULL;
    size_t got = 0;
    int fd, rc = 0;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return TACHYON_ERR_IO;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = TACHYON_ERR_IO;
        goto out;
    }
    if ((uint64_t)st.st_size > SOURCE_MAX) {
        rc = TACHYON_ERR_UNSUPPORTED;
        goto out;
    }
    buf = malloc((size_t)st.st_size + 1);
    if (!buf) {
        rc = TACHYON_ERR_NOMEM;
        goto out;
    }
    /* The file may change under us; read at most what stat promised. */
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = TACHYON_ERR_IO;
            goto out;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    buf[got] = '\0';
    *data = buf;
    *len = got;
    buf = NULL;
out:
    free(buf);
    close(fd);
    return rc;
}

static int h_read_source(const tachyon_host *host, const char *filename, char **data, size_t *len)
{
    struct plugin_session *s = session_of(host);
    const char *root = s->cfg.source_root;
    size_t dummy;
    int rc;

    if (!filename || !data)
        return TACHYON_ERR_INVALID;
    *data = NULL;
    if (!len)
        len = &dummy;
    *len = 0;
    /* The target may live in another mount namespace (a container); its
     * view of the file system is under /proc/PID/root. Fall back to our
     * own view when the file is not there. */
    if (root && *root && filename[0] == '/') {
        size_t rl = strlen(root), fl = strlen(filename);
        char *full = malloc(rl + fl + 1);
        if (!full)
            return TACHYON_ERR_NOMEM;
        memcpy(full, root, rl);
        memcpy(full + rl, filename, fl + 1);
        rc = access(full, F_OK) == 0 ? read_file(full, data, len) : 1;
        free(full);
        if (rc <= 0)
            return rc;
    }
    return read_file(filename, data, len);
}

static void h_free_buffer(const tachyon_host *host, void *data)
{
    free(data);
}

static int h_request_reset(const tachyon_host *host)
{
    struct plugin_session *s = session_of(host);
    if (s->finished)
        return TACHYON_ERR_INVALID;
    s->reset_pending = 1;
    return 0;
}

static int h_request_stop(const tachyon_host *host)
{
    session_of(host)->stop_pending = 1;
    return 0;
}

static int h_stop_requested(const tachyon_host *host)
{
    struct plugin_session *s = session_of(host);
    return s->stop_pending || (s->cfg.interrupted && s->cfg.interrupted());
}

static int h_watch_input(const tachyon_host *host, int fd)
{
    if (fd < -1 || (fd >= 0 && fcntl(fd, F_GETFD) < 0))
        return TACHYON_ERR_INVALID;
    session_of(host)->input_fd = fd;
    return 0;
}

void host_init(struct plugin_session *s)
{
    const char *dbg = getenv("TACHYON_DEBUG");
    tachyon_host *h = &s->host;

    s->debug = dbg && *dbg && strcmp(dbg, "0") != 0;
    s->empty_stats.struct_size = sizeof s->empty_stats;
    memset(h, 0, sizeof *h);
    h->struct_size = sizeof *h;
    h->abi_minor = TACHYON_ABI_MINOR;
    h->session = s->cfg.session;
    h->log = h_log;
    h->string = h_string;
    h->frame = h_frame;
    h->frame_count = h_frame_count;
    h->option = h_option;
    h->stats = h_stats;
    h->output_open = host_output_open;
    h->output_write = host_output_write;
    h->output_printf = host_output_printf;
    h->output_is_terminal = host_output_is_terminal;
    h->output_close = host_output_close;
    h->make_directory = h_make_directory;
    h->read_source = h_read_source;
    h->free_buffer = h_free_buffer;
    h->host_data = s;
    h->request_reset = h_request_reset;
    h->request_stop = h_request_stop;
    h->stop_requested = h_stop_requested;
    h->watch_input = h_watch_input;
    h->replay_profile = host_replay_profile;
}

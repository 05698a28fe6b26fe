/* Loading one tachyon.ini file into struct settings.
 *
 * iniparser does the parsing, but it has no line numbers, folds duplicate
 * keys silently and reports syntax errors only through a callback. So the
 * file is read once into memory and scanned here as well: the scan finds
 * the line of every section and key, rejects duplicates, and names the
 * first malformed line itself. The dictionary stays the authority for
 * values (quotes, inline comments, continuations). */
#include "config.h"
#include "config_priv.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <iniparser.h>

#include "../common/err.h"
#include "config_scan.h"

/* A configuration file is a few dozen lines; anything this large is a
 * mistake (or /dev/zero) and is refused rather than read. */
#define MAX_FILE_SIZE (1024 * 1024)
#define PLUGIN_PREFIX "plugin."

static char g_parser_error[512];

/* iniparser reports syntax errors through this callback; keep the first
 * message so it can become part of the one-line diagnostic. */
static int capture_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int capture_error(const char *fmt, ...)
{
    va_list ap;
    size_t n = strlen(g_parser_error);

    if (n + 1 >= sizeof g_parser_error)
        return 0;
    va_start(ap, fmt);
    vsnprintf(g_parser_error + n, sizeof g_parser_error - n, fmt, ap);
    va_end(ap);
    return 0;
}

static int refuse_unsafe(const char *path, const char *what, const struct stat *st, int is_dir)
{
    unsigned mode = (unsigned)(st->st_mode & 07777);

    if (st->st_uid != 0)
        return diag_set(ERR_PERM,
                        "refusing configuration %s: running as root, and %s%s is owned by "
                        "uid %u, not root", path, what, is_dir ? " (a parent directory)" : "",
                        (unsigned)st->st_uid);
    if ((st->st_mode & S_IWOTH) || ((st->st_mode & S_IWGRP) && st->st_gid != 0)) {
        /* A sticky directory (like /tmp) only lets owners replace files. */
        if (is_dir && (st->st_mode & S_ISVTX))
            return 0;
        return diag_set(ERR_PERM,
                        "refusing configuration %s: running as root, and %s%s is writable by "
                        "users other than root (mode %04o); fix it with chmod go-w",
                        path, what, is_dir ? " (a parent directory)" : "", mode);
    }
    return 0;
}

/* As root, a file someone else can write would let that user choose the
 * plugins (code) root loads, so the file and every directory above it must
 * be root's alone. */
static int check_root_safety(const char *path, const struct stat *st)
{
    char *real = NULL, *slash;
    struct stat dst;
    int rc;

    if (geteuid() != 0)
        return 0;
    rc = refuse_unsafe(path, "the file", st, 0);
    if (rc)
        return rc;
    real = realpath(path, NULL);
    if (!real)
        return diag_set(ERR_IO, "cannot resolve configuration file %s: %s", path, strerror(errno));
    while ((slash = strrchr(real, '/')) != NULL) {
        if (slash == real)
            slash[1] = '\0';
        else
            *slash = '\0';
        if (stat(real, &dst) != 0) {
            rc = diag_set(ERR_IO, "cannot check directory %s of configuration file %s: %s",
                          real, path, strerror(errno));
            break;
        }
        rc = refuse_unsafe(path, real, &dst, 1);
        if (rc || slash == real)
            break;
    }
    free(real);
    return rc;
}

static int read_all(int fd, const char *path, char **text, size_t *len)
{
    size_t cap = 4096, used = 0;
    char *buf = malloc(cap + 1);
    ssize_t got;

    if (!buf)
        return ERR_NOMEM;
    for (;;) {
        if (used == cap) {
            char *grown;
            if (cap >= MAX_FILE_SIZE) {
                free(buf);
                return diag_set(ERR_INVALID, "%s: configuration file larger than %d bytes", path,
                                MAX_FILE_SIZE);
            }
            cap *= 2;
            grown = realloc(buf, cap + 1);
            if (!grown) {
                free(buf);
                return ERR_NOMEM;
            }
            buf = grown;
        }
        got = read(fd, buf + used, cap - used);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int e = errno;
            free(buf);
            return diag_set(ERR_IO, "cannot read configuration file %s: %s", path, strerror(e));
        }
        if (got == 0)
            break;
        used += (size_t)got;
    }
    buf[used] = '\0';
    *text = buf;
    *len = used;
    return 0;
}

/* "path:line", or just "path" when the scan did not place it. */
static const char *where(char *buf, size_t size, const char *path, int line)
{
    if (line > 0)
        snprintf(buf, size, "%s:%d", path, line);
    else
        snprintf(buf, size, "%s", path);
    return buf;
}

static int check_section(const char *path, const struct config_scan *scan, const char *sec)
{
    char loc[PATH_MAX + 32];
    const char *name;

    if (strcmp(sec, "sampling") == 0 || strcmp(sec, "output") == 0 || strcmp(sec, "run") == 0 ||
        strcmp(sec, "plugins") == 0)
        return 0;
    where(loc, sizeof loc, path, scan_section_line(scan, sec));
    if (strncmp(sec, PLUGIN_PREFIX, strlen(PLUGIN_PREFIX)) == 0) {
        name = sec + strlen(PLUGIN_PREFIX);
        if (config_valid_name(name))
            return 0;
        return diag_set(ERR_INVALID,
                        "%s: bad plugin section [%s]: expected [plugin.NAME] with a NAME of "
                        "letters, digits, '_' and '-'", loc, sec);
    }
    return diag_set(ERR_INVALID,
                    "%s: unknown section [%s]: expected one of [sampling], [output], [run], "
                    "[plugins] or [plugin.NAME]", loc, sec);
}

/* Apply one "section:key" entry of the dictionary. */
static int apply_entry(struct settings *s, const char *path, const struct config_scan *scan,
                       const char *entry, const char *value, enum setting_source src)
{
    char section[256], origin[PATH_MAX + 32];
    const char *colon = strchr(entry, ':'), *key;
    const struct config_key_info *k;
    size_t seclen;
    int rc;

    seclen = (size_t)(colon - entry);
    if (seclen >= sizeof section)
        return diag_set(ERR_INVALID, "%s: section name too long in '%s'", path, entry);
    memcpy(section, entry, seclen);
    section[seclen] = '\0';
    key = colon + 1;
    where(origin, sizeof origin, path, scan_key_line(scan, section, key));

    if (section[0] == '\0')
        return diag_set(ERR_INVALID, "%s: key '%s' is outside any section: put it under "
                        "[sampling], [output], [run], [plugins] or [plugin.NAME]", origin, key);
    rc = check_section(path, scan, section);
    if (rc)
        return rc;
    if (value == NULL)
        value = "";
    if (strncmp(section, PLUGIN_PREFIX, strlen(PLUGIN_PREFIX)) == 0) {
        if (!config_valid_name(key))
            return diag_set(ERR_INVALID, "%s: bad option name '%s' in [%s]: expected letters, "
                            "digits, '_' and '-'", origin, key, section);
        return config_store_plugin_opt(s, section + strlen(PLUGIN_PREFIX), key, value, src, origin);
    }
    k = config_key_find(section, key);
    if (!k)
        return diag_set(ERR_INVALID, "%s: unknown key '%s' in [%s]", origin, key, section);
    return config_set(s, k->id, value, src, origin);
}

static int apply_dictionary(struct settings *s, const char *path, const struct config_scan *scan,
                            const dictionary *d, enum setting_source src)
{
    int i, rc;

    /* Entries are stored in file order, so the first problem reported is
     * the first one in the file. */
    for (i = 0; i < d->size; i++) {
        if (!d->key[i])
            continue;
        if (strchr(d->key[i], ':'))
            rc = apply_entry(s, path, scan, d->key[i], d->val[i], src);
        else
            rc = check_section(path, scan, d->key[i]);
        if (rc)
            return rc;
    }
    return 0;
}

static int parse_text(struct settings *s, const char *path, int fd, const char *text, size_t len,
                      enum setting_source src)
{
    struct config_scan scan;
    char fdpath[64];
    const char *load_path = path;
    dictionary *d;
    int rc, bom_fd = -1;

    /* A UTF-8 byte order mark (editors on Windows write one) is not part
     * of the first line. iniparser reads only files, so the text without
     * it is handed over as an anonymous in-memory file. */
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
        text += 3;
        len -= 3;
        bom_fd = memfd_create("tachyon.ini", MFD_CLOEXEC);
        if (bom_fd < 0 || write(bom_fd, text, len) != (ssize_t)len) {
            rc = diag_set(ERR_IO, "cannot read configuration file %s: %s", path, strerror(errno));
            if (bom_fd >= 0)
                close(bom_fd);
            return rc;
        }
        fd = bom_fd;
    }
    rc = scan_text(&scan, path, text, len);
    if (rc) {
        if (bom_fd >= 0)
            close(bom_fd);
        return rc;
    }
    /* Parse the descriptor already checked, not the name, so the file
     * cannot be swapped between the safety check and the parse. */
    snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", fd);
    if (access(fdpath, R_OK) == 0)
        load_path = fdpath;
    g_parser_error[0] = '\0';
    iniparser_set_error_callback(capture_error);
    d = iniparser_load(load_path);
    iniparser_set_error_callback(NULL);
    if (!d) {
        size_t n;
        for (n = 0; g_parser_error[n]; n++)
            if (g_parser_error[n] == '\n')
                g_parser_error[n] = ' ';
        rc = diag_set(ERR_INVALID, "%s: cannot parse configuration file: %s", path,
                      g_parser_error[0] ? g_parser_error : "iniparser failed");
        goto out;
    }
    rc = apply_dictionary(s, path, &scan, d, src);
    iniparser_freedict(d);
out:
    scan_free(&scan);
    if (bom_fd >= 0)
        close(bom_fd);
    return rc;
}

int config_load_file(struct settings *s, const char *path, enum setting_source src,
                     const char *via, int *missing)
{
    struct stat st;
    char *text = NULL;
    size_t len = 0;
    int fd, rc;

    if (missing)
        *missing = 0;
    /* O_NONBLOCK keeps a FIFO from hanging the open; the type check below
     * then refuses it. */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        int e = errno;
        if (missing && (e == ENOENT || e == ENOTDIR))
            *missing = 1;
        rc = diag_set(ERR_IO, "cannot open configuration file %s%s%s%s: %s", path,
                      via ? " (from " : "", via ? via : "", via ? ")" : "", strerror(e));
        errno = e;   /* callers tell a permission problem from the rest */
        return rc;
    }
    if (fstat(fd, &st) != 0) {
        rc = diag_set(ERR_IO, "cannot stat configuration file %s: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = diag_set(ERR_INVALID, "configuration file %s%s%s%s is not a regular file", path,
                      via ? " (from " : "", via ? via : "", via ? ")" : "");
        goto out;
    }
    rc = check_root_safety(path, &st);
    if (rc)
        goto out;
    rc = read_all(fd, path, &text, &len);
    if (rc)
        goto out;
    rc = parse_text(s, path, fd, text, len, src);
out:
    free(text);
    close(fd);
    return rc;
}

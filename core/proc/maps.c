#include "proc/maps.h"

#include "common/err.h"
#include "common/grow.h"
#include "mem/target_err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DELETED_SUFFIX " (deleted)"

static int parse_hex(const char **p, uint64_t *out)
{
    char *end;
    unsigned long long v;
    if (**p == '-' || **p == '+' || **p == ' ')
        return ERR_INVALID;
    errno = 0;
    v = strtoull(*p, &end, 16);
    if (end == *p || errno)
        return ERR_INVALID;
    *p = end;
    *out = v;
    return 0;
}

static int parse_dec(const char **p, uint64_t *out)
{
    char *end;
    unsigned long long v;
    if (**p < '0' || **p > '9')
        return ERR_INVALID;
    errno = 0;
    v = strtoull(*p, &end, 10);
    if (errno)
        return ERR_INVALID;
    *p = end;
    *out = v;
    return 0;
}

static int expect(const char **p, char c)
{
    if (**p != c)
        return ERR_INVALID;
    (*p)++;
    return 0;
}

/* A line is "start-end perms offset major:minor inode [path]"; the path is
 * everything after the padding that follows the inode, so it may contain
 * spaces. */
int proc_maps_parse_line(const char *line, struct proc_map *m)
{
    const char *p = line;
    uint64_t major, minor;
    size_t len;
    int rc = ERR_INVALID;

    memset(m, 0, sizeof *m);
    if (parse_hex(&p, &m->start) || expect(&p, '-') || parse_hex(&p, &m->end) ||
        expect(&p, ' '))
        goto out;
    if (m->end < m->start)
        goto out;
    if (strlen(p) < 5 || p[4] != ' ')
        goto out;
    memcpy(m->perms, p, 4);
    m->perms[4] = '\0';
    p += 5;
    if (parse_hex(&p, &m->offset) || expect(&p, ' ') || parse_hex(&p, &major) ||
        expect(&p, ':') || parse_hex(&p, &minor) || expect(&p, ' ') ||
        parse_dec(&p, &m->inode))
        goto out;
    if (major > 0xffffffffu || minor > 0xffffffffu)
        goto out;
    m->dev_major = (unsigned)major;
    m->dev_minor = (unsigned)minor;
    if (*p != '\0' && *p != ' ' && *p != '\n')
        goto out;
    while (*p == ' ')
        p++;
    len = strcspn(p, "\n");
    if (len >= sizeof DELETED_SUFFIX - 1 &&
        memcmp(p + len - (sizeof DELETED_SUFFIX - 1), DELETED_SUFFIX,
               sizeof DELETED_SUFFIX - 1) == 0) {
        m->deleted = 1;
        len -= sizeof DELETED_SUFFIX - 1;
    }
    m->path = malloc(len + 1);
    if (!m->path) {
        rc = ERR_NOMEM;
        goto out;
    }
    memcpy(m->path, p, len);
    m->path[len] = '\0';
    rc = 0;
out:
    if (rc == ERR_INVALID)
        memset(m, 0, sizeof *m);
    return rc;
}

int proc_map_is_file(const struct proc_map *m)
{
    /* Pseudo-mappings have inode 0 and a bracketed name; a real file has a
     * path starting with '/'. */
    return m->inode != 0 && m->path && m->path[0] == '/';
}

void proc_maps_free(struct proc_maps *maps)
{
    size_t i;
    if (!maps)
        return;
    for (i = 0; i < maps->n; i++)
        free(maps->v[i].path);
    free(maps->v);
    maps->v = NULL;
    maps->n = 0;
}

int proc_maps_read(pid_t pid, struct proc_maps *out)
{
    char path[64];
    FILE *f = NULL;
    char *line = NULL;
    size_t cap = 0, vcap = 0;
    int rc = 0;

    out->v = NULL;
    out->n = 0;
    if (pid <= 0)
        return target_err_noproc(pid);
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    f = fopen(path, "re");
    if (!f) {
        char what[80];
        snprintf(what, sizeof what, "open %s", path);
        return target_err_from_errno(pid, what, errno, ERR_IO);
    }
    for (;;) {
        struct proc_map m;
        ssize_t n;
        errno = 0;
        n = getline(&line, &cap, f);
        if (n < 0) {
            if (errno && errno != EINVAL) {
                char what[80];
                snprintf(what, sizeof what, "read %s", path);
                rc = target_err_from_errno(pid, what, errno, ERR_IO);
            }
            break;
        }
        rc = proc_maps_parse_line(line, &m);
        if (rc == ERR_INVALID) {
            /* A line we do not understand cannot be used, but the others
             * are still good. */
            rc = 0;
            continue;
        }
        if (rc)
            break;
        if (grow_array((void **)&out->v, &vcap, out->n + 1, sizeof *out->v) < 0) {
            free(m.path);
            rc = diag_set(ERR_NOMEM, "out of memory reading %s", path);
            break;
        }
        out->v[out->n++] = m;
    }
    free(line);
    fclose(f);
    if (rc)
        proc_maps_free(out);
    return rc;
}

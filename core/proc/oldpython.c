#include "proc/oldpython.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/err.h"
#include "proc/elf.h"

int oldpython_resolve(const char *command, char *resolved, size_t len)
{
    const char *path = getenv("PATH"), *p, *colon;
    size_t dl;

    if (strchr(command, '/')) {
        if ((size_t)snprintf(resolved, len, "%s", command) >= len)
            return ERR_IO;
        return access(resolved, X_OK) == 0 ? 0 : ERR_IO;
    }
    for (p = path ? path : "/usr/local/bin:/usr/bin:/bin"; ; p = colon + 1) {
        colon = strchr(p, ':');
        dl = colon ? (size_t)(colon - p) : strlen(p);
        if (dl > 0 && (size_t)snprintf(resolved, len, "%.*s/%s", (int)dl, p, command) < len &&
            access(resolved, X_OK) == 0)
            return 0;
        if (!colon)
            return ERR_IO;
    }
}

/* "python2.7", "python3.6m", "python2": the version the name states. */
static int version_from_name(const char *path, int *major, int *minor)
{
    const char *base = strrchr(path, '/');
    char *end;
    long ma, mi = -1;

    base = base ? base + 1 : path;
    if (strncmp(base, "python", 6) != 0)
        return 0;
    base += 6;
    if (*base < '0' || *base > '9')
        return 0;
    ma = strtol(base, &end, 10);
    if (*end == '.' && end[1] >= '0' && end[1] <= '9')
        mi = strtol(end + 1, &end, 10);
    *major = (int)ma;
    *minor = (int)mi;
    return 1;
}

static int has_symbol(struct elf_file *e, const char *name)
{
    uint64_t value = 0, size = 0;
    return elf_find_symbol(e, name, &value, &size) == 0;
}

int oldpython_probe(const char *path, char *version, size_t len)
{
    struct elf_file *e = NULL;
    int fd, major = 0, minor = -1, result = 0;

    if (version_from_name(path, &major, &minor) && (major == 2 || (major == 3 && minor >= 0 && minor < 7))) {
        if (minor >= 0)
            snprintf(version, len, "%d.%d", major, minor);
        else
            snprintf(version, len, "%d", major);
        return 1;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || elf_open(fd, path, &e) < 0)
        return 0;
    /* A static build carries the symbols itself; a shared one links
     * libpython, whose symbols the executable does not define: only the
     * static case (and fakes built like it) can be named from the file. */
    if (!has_symbol(e, "_PyRuntime")) {
        if (has_symbol(e, "Py_InitModule4_64") || has_symbol(e, "Py_InitModule4")) {
            snprintf(version, len, "2");
            result = 1;
        } else if (has_symbol(e, "PyUnicode_FromString")) {
            snprintf(version, len, "3 older than 3.7");
            result = 1;
        }
    }
    elf_close(e);
    return result;
}

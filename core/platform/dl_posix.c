/* dl.h on POSIX systems: a thin layer over dlopen/dlsym/dlclose. */
#ifndef _WIN32

#include "dl.h"

#include <dlfcn.h>
#include <stdio.h>

static void copy_error(char *err, size_t errlen, const char *fallback)
{
    const char *msg = dlerror();
    if (err && errlen > 0)
        snprintf(err, errlen, "%s", msg ? msg : fallback);
}

void *dl_open(const char *path, char *err, size_t errlen)
{
    void *h;

    /* Clear any stale message so the one we report belongs to this call. */
    (void)dlerror();
    /* RTLD_NOW surfaces missing symbols here, at discovery, rather than as a
     * crash in the middle of a profile; RTLD_LOCAL keeps one plugin's
     * symbols from satisfying another's. */
    h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h)
        copy_error(err, errlen, "cannot load library");
    return h;
}

void *dl_symbol(void *handle, const char *name, char *err, size_t errlen)
{
    void *sym;

    (void)dlerror();
    sym = dlsym(handle, name);
    if (!sym)
        copy_error(err, errlen, "symbol not found");
    return sym;
}

void dl_close(void *handle)
{
    if (handle)
        dlclose(handle);
}

#endif /* !_WIN32 */

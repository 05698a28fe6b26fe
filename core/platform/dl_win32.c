/* dl.h on Windows: LoadLibrary/GetProcAddress. Empty on every other
 * platform so the core's source glob can include it unconditionally. */
#ifdef _WIN32

#include "dl.h"

#include <stdio.h>
#include <string.h>
#include <windows.h>

static void copy_error(char *err, size_t errlen, const char *what)
{
    char buf[256];
    DWORD code = GetLastError();
    DWORD n;

    if (!err || errlen == 0)
        return;
    n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, code,
                       0, buf, (DWORD)sizeof buf, NULL);
    /* FormatMessage ends its text with CR LF, which does not belong in a
     * one-line diagnostic. */
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    if (n == 0)
        snprintf(err, errlen, "%s (error %lu)", what, (unsigned long)code);
    else
        snprintf(err, errlen, "%s: %s", what, buf);
}

void *dl_open(const char *path, char *err, size_t errlen)
{
    HMODULE h = LoadLibraryA(path);
    if (!h)
        copy_error(err, errlen, "cannot load library");
    return (void *)h;
}

void *dl_symbol(void *handle, const char *name, char *err, size_t errlen)
{
    FARPROC p = GetProcAddress((HMODULE)handle, name);
    void *sym = NULL;

    if (!p) {
        copy_error(err, errlen, "symbol not found");
        return NULL;
    }
    /* Function and data pointers have the same size on every Windows ABI;
     * memcpy avoids the cast the C standard leaves undefined. */
    memcpy(&sym, &p, sizeof sym);
    return sym;
}

void dl_close(void *handle)
{
    if (handle)
        FreeLibrary((HMODULE)handle);
}

#endif /* _WIN32 */

/* Loading shared objects at run time.
 *
 * The plugin registry needs exactly three things from the platform loader:
 * open a library, look up one symbol, close it again. Keeping them behind
 * this interface leaves the registry free of platform code; dl_posix.c and
 * dl_win32.c are the two implementations, each compiled empty on the other
 * platform. Errors are returned as text in a caller buffer because the
 * native error state (dlerror, GetLastError) is global and fragile. */
#ifndef CORE_PLATFORM_DL_H
#define CORE_PLATFORM_DL_H

#include <stddef.h>

/* Load path with every symbol resolved now and nothing exported to later
 * loads. Returns NULL and fills err on failure. */
void *dl_open(const char *path, char *err, size_t errlen);
/* The address of name in handle, or NULL with err filled. */
void *dl_symbol(void *handle, const char *name, char *err, size_t errlen);
void dl_close(void *handle);

#endif

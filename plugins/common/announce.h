/* The end-of-run line a plugin prints about what it wrote. */
#ifndef PL_ANNOUNCE_H
#define PL_ANNOUNCE_H

#include <tachyon/plugin.h>

/* Prints one formatted line on standard output through the host, as
 * upstream prints "Collapsed stack output written to ..."; nothing when the
 * report itself went to standard output, where the line would corrupt it.
 * Returns 0 or a negative TACHYON_ERR_* code. */
int pl_announce(const tachyon_host *host, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif

#include "announce.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Does path name the file standard output already writes to (-o /dev/stdout,
 * /proc/self/fd/1)? Then the line goes to stderr, beside the host's summary,
 * so that the report on standard output stays clean. */
static int names_stdout(const char *path)
{
    struct stat a, b;
    return stat(path, &a) == 0 && fstat(STDOUT_FILENO, &b) == 0 && a.st_dev == b.st_dev &&
           a.st_ino == b.st_ino;
}

int pl_announce(const tachyon_host *host, const char *fmt, ...)
{
    const char *path = host->session->output_path;
    tachyon_output *out = NULL;
    char line[4096];
    va_list ap;
    int rc;

    if (!path || strcmp(path, TACHYON_OUTPUT_STDOUT) == 0)
        return 0;
    va_start(ap, fmt);
    rc = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (rc < 0)
        return TACHYON_ERR_GENERIC;
    if (names_stdout(path)) {
        fprintf(stderr, "%s\n", line);
        return 0;
    }
    rc = host->output_open(host, TACHYON_OUTPUT_STDOUT, &out);
    if (rc < 0)
        return rc;
    rc = host->output_printf(out, "%s\n", line);
    {
        int crc = host->output_close(out, rc >= 0);
        return rc < 0 ? rc : crc;
    }
}

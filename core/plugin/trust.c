/* Ownership and permission checks on plugin files and directories. */
#include "trust.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"

int trust_secure_mode(void)
{
    return getauxval(AT_SECURE) != 0;
}

int trust_check_path(const char *path, char *why, size_t whylen)
{
    struct stat st;

    if (geteuid() != 0)
        return 0;
    if (stat(path, &st) != 0) {
        snprintf(why, whylen, "cannot check ownership: %s", strerror(errno));
        return ERR_PERM;
    }
    /* Another account owning the file, or being able to write it, could
     * swap in code that then runs as root. */
    if (st.st_uid != 0) {
        snprintf(why, whylen,
                 "refused while running as root: owned by uid %u, not by root",
                 (unsigned)st.st_uid);
        return ERR_PERM;
    }
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        snprintf(why, whylen,
                 "refused while running as root: writable by %s (mode %04o)",
                 (st.st_mode & S_IWOTH) ? "others" : "its group",
                 (unsigned)(st.st_mode & 07777));
        return ERR_PERM;
    }
    return 0;
}

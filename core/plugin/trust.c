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
    char what[320];

    if (geteuid() != 0)
        return 0;
    if (stat(path, &st) != 0) {
        /* Reported without a path: the caller's reason names it. */
        snprintf(why, whylen, "refused while running as root: cannot check ownership: %s",
                 strerror(errno));
        return ERR_PERM;
    }
    /* A file's reason already starts with its path; a directory is named. */
    if (S_ISDIR(st.st_mode))
        snprintf(what, sizeof what, "directory %s", path);
    else
        snprintf(what, sizeof what, "the file");
    /* Another account owning the file, or being able to write it, could
     * swap in code that then runs as root. */
    if (st.st_uid != 0) {
        snprintf(why, whylen, "refused while running as root: %s is owned by uid %u, not by root",
                 what, (unsigned)st.st_uid);
        return ERR_PERM;
    }
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        snprintf(why, whylen, "refused while running as root: %s is writable by %s (mode %04o)",
                 what, (st.st_mode & S_IWOTH) ? "others" : "its group",
                 (unsigned)(st.st_mode & 07777));
        return ERR_PERM;
    }
    return 0;
}

/* Deciding whether a plugin location may be trusted.
 *
 * Loading a plugin runs its code with the profiler's privileges, and the
 * profiler often runs as root to read other users' processes. So a root
 * tachyon only loads files and directories that nobody but root could have
 * planted or modified, and a setuid/setcap tachyon (secure-execution mode)
 * ignores every location its unprivileged caller chose. */
#ifndef CORE_PLUGIN_TRUST_H
#define CORE_PLUGIN_TRUST_H

#include <stddef.h>

/* Non-zero in secure-execution mode (AT_SECURE: setuid, setgid, file
 * capabilities): the environment and the caller's choices are not trusted. */
int trust_secure_mode(void);

/* 0 when path may be loaded from (or searched, for a directory), else
 * ERR_PERM with the reason in why. Only root is this strict: an ordinary
 * user's plugins can do no more than that user could do anyway. */
int trust_check_path(const char *path, char *why, size_t whylen);

#endif

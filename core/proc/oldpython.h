/* Naming an interpreter too old to profile from its executable file,
 * before it is started: CPython 2 and 3.0-3.6 have no _PyRuntime, so the
 * process could never be recognised and a run would only time out. */
#ifndef CORE_PROC_OLDPYTHON_H
#define CORE_PROC_OLDPYTHON_H

#include <stddef.h>

/* The executable execvp would run for command (a path, or a name searched
 * in PATH) into resolved: 0, or ERR_IO when there is none. */
int oldpython_resolve(const char *command, char *resolved, size_t len);

/* 1 when the ELF file at path is a CPython older than 3.7, with version
 * set to what is known ("2.7", "3.6", "2", "3 older than 3.7"); 0 when it
 * is not (or not recognisably: a script, a newer CPython, another
 * program). Reads the file name and the ELF symbol table only. */
int oldpython_probe(const char *path, char *version, size_t len);

#endif

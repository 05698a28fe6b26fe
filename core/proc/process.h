/* Finding CPython inside a live process.
 *
 * Parses /proc/PID/maps, picks the ELF file that defines the runtime (the
 * executable for a static build, libpython*.so otherwise), reads that file
 * through /proc/PID/root so a target in another mount namespace (a
 * container) resolves to the right file, and turns symbol and section
 * addresses into absolute addresses in the target. */
#ifndef CORE_PROC_PROCESS_H
#define CORE_PROC_PROCESS_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

struct py_image {
    pid_t pid;
    char path[PATH_MAX];        /* the mapped file holding the runtime, as the target names it */
    uint64_t load_bias;         /* added to ELF virtual addresses */
    uint64_t runtime_addr;      /* absolute address of _PyRuntime */
    uint64_t runtime_size;      /* size of the .PyRuntime section or symbol, 0 if unknown */
    uint64_t py_version_addr;   /* absolute address of Py_Version (3.11+), 0 if absent */
};

/* 0, ERR_NOPROC (no such process), ERR_PERM (cannot read its maps/files),
 * ERR_NOTPYTHON (no _PyRuntime anywhere). Sets a diag message naming the
 * PID and, for ERR_PERM, the ptrace_scope / CAP_SYS_PTRACE hint. */
int proc_find_python(pid_t pid, struct py_image *out);

/* Resolve any other dynamic or static symbol of the runtime file to an
 * absolute target address; ERR_NOTPYTHON when absent. */
int proc_resolve_symbol(const struct py_image *img, const char *name, uint64_t *addr);

/* Find an allocated section (e.g. ".AsyncioDebug") in the files the
 * process maps whose name contains "python" or starts with "_asyncio" (the
 * interpreter, libpython, or an extension module loaded later): 0 with its
 * absolute address and size, ERR_NOTPYTHON when no mapped file has it,
 * ERR_NOPROC when the process is gone. */
int proc_find_section(pid_t pid, const char *section, uint64_t *addr, uint64_t *size);

/* Does the process exist (and is it not a zombie)? */
int proc_alive(pid_t pid);

#endif

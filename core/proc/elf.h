/* A minimal reader for 64-bit native-endian ELF files: enough to find a
 * section, a symbol and the load bias of a mapped object.
 *
 * The file comes from the target's filesystem and is as untrusted as its
 * memory: every offset, size, count and string index is checked against
 * the file size before use, and nothing is mmap'd (a file truncated under
 * us must give an error, not SIGBUS). */
#ifndef CORE_PROC_ELF_H
#define CORE_PROC_ELF_H

#include <stdint.h>

struct elf_file;

/* Take ownership of fd (closed by elf_close, or here on failure). label
 * names the file in messages. 0, ERR_INVALID (not a usable ELF64 file),
 * ERR_IO, ERR_NOMEM. */
int elf_open(int fd, const char *label, struct elf_file **out);
void elf_close(struct elf_file *e);

/* Address and size of an allocated section: 0, or ERR_NOTPYTHON when the
 * file has no such section. */
int elf_find_section(struct elf_file *e, const char *name, uint64_t *addr, uint64_t *size);

/* Value and size of a defined symbol, searched in .dynsym then .symtab:
 * 0, ERR_NOTPYTHON when absent, ERR_INVALID/ERR_IO/ERR_NOMEM. */
int elf_find_symbol(struct elf_file *e, const char *name, uint64_t *value, uint64_t *size);

/* The load bias, given that file offset map_offset is mapped at map_start
 * (both from /proc/PID/maps) with pages of page_size bytes: 0, or
 * ERR_INVALID when no PT_LOAD segment starts in that page. */
int elf_load_bias(const struct elf_file *e, uint64_t map_start, uint64_t map_offset,
                  uint64_t page_size, uint64_t *bias);

#endif

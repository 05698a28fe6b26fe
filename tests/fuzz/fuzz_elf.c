/* Fuzz target: the ELF section/symbol reader on arbitrary file contents.
 *
 * The input becomes an anonymous in-memory file (memfd), which elf_open
 * takes over as it would a file of the target's filesystem; then every
 * query tachyon makes of a CPython runtime file is asked, plus a load bias
 * for a few page-aligned and hostile mappings. */
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "proc/elf.h"

static const char *const symbols[] = { "_PyRuntime", "Py_Version", "_Py_NoneStruct", "", "x" };
static const char *const sections[] = { ".PyRuntime", ".dynsym", ".text", "" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint64_t starts[][3] = {
        { 0x400000, 0, 4096 }, { 0x7f0000000000, 0x1000, 4096 }, { 0, 0, 0 },
        { UINT64_MAX & ~0xfffull, UINT64_MAX & ~0xfffull, 4096 }, { 0x1000, 0x200000, 1 } };
    struct elf_file *e = NULL;
    uint64_t a, b;
    size_t i, off = 0;
    int fd;

    fd = memfd_create("fuzz_elf", MFD_CLOEXEC);
    if (fd < 0)
        abort();
    while (off < size) {
        ssize_t n = write(fd, data + off, size - off);
        if (n <= 0)
            abort();
        off += (size_t)n;
    }
    if (elf_open(fd, "fuzz", &e) < 0)
        return 0;
    for (i = 0; i < sizeof sections / sizeof sections[0]; i++)
        (void)elf_find_section(e, sections[i], &a, &b);
    for (i = 0; i < sizeof symbols / sizeof symbols[0]; i++)
        (void)elf_find_symbol(e, symbols[i], &a, &b);
    for (i = 0; i < sizeof starts / sizeof starts[0]; i++)
        (void)elf_load_bias(e, starts[i][0], starts[i][1], starts[i][2], &a);
    elf_close(e);
    return 0;
}

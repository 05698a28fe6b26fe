#include "proc/elf.h"

#include "common/err.h"

#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bounds on what we are willing to allocate for headers; real files have a
 * few dozen sections and a handful of segments. */
#define ELF_MAX_SECTIONS 65536u
#define ELF_MAX_SEGMENTS 65536u
/* Symbols are read in chunks so a large .symtab costs little memory. */
#define ELF_SYM_CHUNK 1024u

struct elf_file {
    int fd;
    uint64_t size;
    char label[256];
    Elf64_Phdr *phdrs;
    size_t phnum;
    Elf64_Shdr *shdrs;
    size_t shnum;
    char *shstr;          /* section names, NUL-terminated past shstr_size */
    uint64_t shstr_size;
};

static int corrupt(const struct elf_file *e, const char *why)
{
    return diag_set(ERR_INVALID, "%s: not a usable ELF64 file (%s)", e->label, why);
}

static int in_file(const struct elf_file *e, uint64_t off, uint64_t len)
{
    return off <= e->size && len <= e->size - off;
}

static int read_at(struct elf_file *e, uint64_t off, void *buf, uint64_t len)
{
    char *p = buf;
    if (!in_file(e, off, len))
        return corrupt(e, "a header points beyond the end of the file");
    while (len > 0) {
        ssize_t n = pread(e->fd, p, len, (off_t)off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return diag_set(ERR_IO, "%s: read failed: %s", e->label, strerror(errno));
        }
        if (n == 0)
            return corrupt(e, "the file shrank while being read");
        p += n;
        off += (uint64_t)n;
        len -= (uint64_t)n;
    }
    return 0;
}

/* Read len bytes at off into a new buffer with a NUL after them, so string
 * tables can be used with C string functions whatever their content. */
static int read_strings(struct elf_file *e, uint64_t off, uint64_t len, char **out)
{
    char *buf;
    int rc;
    *out = NULL;
    if (!in_file(e, off, len))
        return corrupt(e, "a string table lies beyond the end of the file");
    buf = malloc((size_t)len + 1);
    if (!buf)
        return diag_set(ERR_NOMEM, "%s: out of memory for a string table", e->label);
    rc = read_at(e, off, buf, len);
    if (rc) {
        free(buf);
        return rc;
    }
    buf[len] = '\0';
    *out = buf;
    return 0;
}

static int native_data_encoding(void)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return ELFDATA2MSB;
#else
    return ELFDATA2LSB;
#endif
}

static int load_headers(struct elf_file *e)
{
    Elf64_Ehdr eh;
    Elf64_Shdr sh0;
    uint64_t shnum, phnum, shstrndx;
    int rc;

    if (e->size < sizeof eh)
        return corrupt(e, "too small");
    if ((rc = read_at(e, 0, &eh, sizeof eh)))
        return rc;
    if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
        return corrupt(e, "bad magic");
    if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != native_data_encoding())
        return corrupt(e, "not 64-bit native-endian");

    shnum = eh.e_shnum;
    phnum = eh.e_phnum;
    shstrndx = eh.e_shstrndx;
    if (eh.e_shoff != 0) {
        if (eh.e_shentsize != sizeof(Elf64_Shdr))
            return corrupt(e, "unexpected section header size");
        /* Counts that do not fit the ELF header live in section 0. */
        if ((rc = read_at(e, eh.e_shoff, &sh0, sizeof sh0)))
            return rc;
        if (shnum == 0)
            shnum = sh0.sh_size;
        if (shstrndx == SHN_XINDEX)
            shstrndx = sh0.sh_link;
        if (phnum == PN_XNUM)
            phnum = sh0.sh_info;
    } else {
        shnum = 0;
    }
    if (shnum > ELF_MAX_SECTIONS || phnum > ELF_MAX_SEGMENTS)
        return corrupt(e, "implausible header counts");

    if (phnum > 0) {
        if (eh.e_phentsize != sizeof(Elf64_Phdr))
            return corrupt(e, "unexpected program header size");
        e->phdrs = calloc((size_t)phnum, sizeof *e->phdrs);
        if (!e->phdrs)
            return diag_set(ERR_NOMEM, "%s: out of memory", e->label);
        e->phnum = (size_t)phnum;
        if ((rc = read_at(e, eh.e_phoff, e->phdrs, phnum * sizeof *e->phdrs)))
            return rc;
    }
    if (shnum > 0) {
        e->shdrs = calloc((size_t)shnum, sizeof *e->shdrs);
        if (!e->shdrs)
            return diag_set(ERR_NOMEM, "%s: out of memory", e->label);
        e->shnum = (size_t)shnum;
        if ((rc = read_at(e, eh.e_shoff, e->shdrs, shnum * sizeof *e->shdrs)))
            return rc;
        /* A file may legitimately have no section names (SHN_UNDEF);
         * then sections cannot be found by name but symbols still can. */
        if (shstrndx != SHN_UNDEF) {
            const Elf64_Shdr *ss;
            if (shstrndx >= shnum || e->shdrs[shstrndx].sh_type != SHT_STRTAB)
                return corrupt(e, "bad section name table index");
            ss = &e->shdrs[shstrndx];
            if ((rc = read_strings(e, ss->sh_offset, ss->sh_size, &e->shstr)))
                return rc;
            e->shstr_size = ss->sh_size;
        }
    }
    return 0;
}

int elf_open(int fd, const char *label, struct elf_file **out)
{
    struct elf_file *e;
    struct stat st;
    int rc;

    *out = NULL;
    e = calloc(1, sizeof *e);
    if (!e) {
        close(fd);
        return diag_set(ERR_NOMEM, "out of memory");
    }
    e->fd = fd;
    snprintf(e->label, sizeof e->label, "%s", label ? label : "(ELF file)");
    if (fstat(fd, &st) != 0) {
        rc = diag_set(ERR_IO, "%s: %s", e->label, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = corrupt(e, "not a regular file");
        goto out;
    }
    e->size = (uint64_t)st.st_size;
    rc = load_headers(e);
out:
    if (rc)
        elf_close(e);
    else
        *out = e;
    return rc;
}

void elf_close(struct elf_file *e)
{
    if (!e)
        return;
    if (e->fd >= 0)
        close(e->fd);
    free(e->phdrs);
    free(e->shdrs);
    free(e->shstr);
    free(e);
}

static const char *section_name(const struct elf_file *e, const Elf64_Shdr *sh)
{
    if (!e->shstr || sh->sh_name >= e->shstr_size)
        return "";
    return e->shstr + sh->sh_name;
}

int elf_find_section(struct elf_file *e, const char *name, uint64_t *addr, uint64_t *size)
{
    size_t i;
    for (i = 0; i < e->shnum; i++) {
        const Elf64_Shdr *sh = &e->shdrs[i];
        if (sh->sh_type == SHT_NULL || !(sh->sh_flags & SHF_ALLOC))
            continue;
        if (strcmp(section_name(e, sh), name) == 0) {
            *addr = sh->sh_addr;
            *size = sh->sh_size;
            return 0;
        }
    }
    return ERR_NOTPYTHON;
}

/* Search one symbol table section (and its linked string table). */
static int search_table(struct elf_file *e, const Elf64_Shdr *sh, const char *name,
                        uint64_t *value, uint64_t *size)
{
    Elf64_Sym *chunk = NULL;
    char *strs = NULL;
    const Elf64_Shdr *strsh;
    uint64_t count, done;
    int rc = ERR_NOTPYTHON;

    if (sh->sh_entsize != sizeof(Elf64_Sym) || sh->sh_link >= e->shnum)
        return corrupt(e, "malformed symbol table header");
    strsh = &e->shdrs[sh->sh_link];
    if (strsh->sh_type != SHT_STRTAB)
        return corrupt(e, "symbol table not linked to a string table");
    if (!in_file(e, sh->sh_offset, sh->sh_size))
        return corrupt(e, "a symbol table lies beyond the end of the file");
    if ((rc = read_strings(e, strsh->sh_offset, strsh->sh_size, &strs)))
        return rc;
    chunk = malloc(ELF_SYM_CHUNK * sizeof *chunk);
    if (!chunk) {
        rc = diag_set(ERR_NOMEM, "%s: out of memory", e->label);
        goto out;
    }
    rc = ERR_NOTPYTHON;
    count = sh->sh_size / sizeof(Elf64_Sym);
    for (done = 0; done < count && rc == ERR_NOTPYTHON;) {
        uint64_t n = count - done < ELF_SYM_CHUNK ? count - done : ELF_SYM_CHUNK, i;
        int rrc = read_at(e, sh->sh_offset + done * sizeof *chunk, chunk, n * sizeof *chunk);
        if (rrc) {
            rc = rrc;
            break;
        }
        for (i = 0; i < n; i++) {
            const Elf64_Sym *s = &chunk[i];
            unsigned type = ELF64_ST_TYPE(s->st_info);
            if (s->st_shndx == SHN_UNDEF || s->st_name >= strsh->sh_size ||
                type == STT_SECTION || type == STT_FILE)
                continue;
            if (strcmp(strs + s->st_name, name) == 0) {
                *value = s->st_value;
                *size = s->st_size;
                rc = 0;
                break;
            }
        }
        done += n;
    }
out:
    free(chunk);
    free(strs);
    return rc;
}

int elf_find_symbol(struct elf_file *e, const char *name, uint64_t *value, uint64_t *size)
{
    /* The dynamic table is small and present in every loadable object, so
     * it is tried first; .symtab only exists in unstripped files. */
    static const uint32_t order[] = {SHT_DYNSYM, SHT_SYMTAB};
    size_t k, i;
    for (k = 0; k < sizeof order / sizeof order[0]; k++) {
        for (i = 0; i < e->shnum; i++) {
            int rc;
            if (e->shdrs[i].sh_type != order[k])
                continue;
            rc = search_table(e, &e->shdrs[i], name, value, size);
            if (rc != ERR_NOTPYTHON)
                return rc;
        }
    }
    return ERR_NOTPYTHON;
}

int elf_load_bias(const struct elf_file *e, uint64_t map_start, uint64_t map_offset,
                  uint64_t page_size, uint64_t *bias)
{
    size_t i;
    uint64_t mask;
    if (page_size == 0 || (page_size & (page_size - 1)) != 0)
        return diag_set(ERR_INVALID, "bad page size %llu", (unsigned long long)page_size);
    mask = ~(page_size - 1);
    for (i = 0; i < e->phnum; i++) {
        const Elf64_Phdr *ph = &e->phdrs[i];
        if (ph->p_type != PT_LOAD)
            continue;
        /* The loader maps a segment from the page holding p_offset to the
         * page holding p_vaddr; the two must agree within a page. */
        if ((ph->p_offset & ~mask) != (ph->p_vaddr & ~mask))
            continue;
        if ((ph->p_offset & mask) == map_offset) {
            *bias = map_start - (ph->p_vaddr & mask);
            return 0;
        }
    }
    return diag_set(ERR_INVALID, "%s: no loadable segment starts at file offset 0x%llx",
                    e->label, (unsigned long long)map_offset);
}

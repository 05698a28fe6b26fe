/* Plugin discovery: walk the search locations in order, load every
 * candidate, and record it as accepted, rejected (with a reason naming the
 * file) or shadowed by an earlier plugin of the same name. */
#include "registry.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "common/grow.h"
#include "platform/dl.h"
#include "plugin/guard.h"
#include "proc/elf.h"
#include "plugin/descriptor.h"
#include "plugin/trust.h"

/* Both come from core/CMakeLists.txt; the fallbacks keep the file usable
 * when compiled on its own (tests that include it directly). */
#ifndef TACHYON_INSTALL_PLUGINDIR
#define TACHYON_INSTALL_PLUGINDIR "/usr/local/lib/tachyon/plugins"
#endif
#ifndef TACHYON_RELATIVE_PLUGINDIR
#define TACHYON_RELATIVE_PLUGINDIR "../lib/tachyon/plugins"
#endif

#define PATH_ENV "TACHYON_PLUGIN_PATH"

struct file_id {
    dev_t dev;
    ino_t ino;
};

struct walk {
    struct plugin_registry *reg;
    struct file_id *seen;      /* files already recorded, by identity */
    size_t n_seen, cap_seen;
    size_t cap_entries;
    int secure;
};

static char *dup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *dup_printf(const char *fmt, ...)
{
    va_list ap;
    int n;
    char *s;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    s = malloc((size_t)n + 1);
    if (!s)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

static int add_note(struct walk *w, char *note)
{
    char **grown;

    if (!note)
        return diag_set(ERR_NOMEM, "out of memory recording a plugin note");
    grown = realloc(w->reg->notes, (w->reg->n_notes + 1) * sizeof *grown);
    if (!grown) {
        free(note);
        return diag_set(ERR_NOMEM, "out of memory recording a plugin note");
    }
    w->reg->notes = grown;
    w->reg->notes[w->reg->n_notes++] = note;
    return 0;
}

/* Append an entry; it takes ownership of path and reason (both freed on
 * failure too, so callers have one exit path). */
static int add_entry(struct walk *w, char *path, const tachyon_plugin *desc, char *reason,
                     void *handle)
{
    struct plugin_registry *reg = w->reg;
    struct plugin_entry *e;

    if (!path || (!desc && !reason))
        goto nomem;
    if (grow_array((void **)&reg->entries, &w->cap_entries, reg->count + 1, sizeof *reg->entries) < 0)
        goto nomem;
    e = &reg->entries[reg->count++];
    memset(e, 0, sizeof *e);
    e->path = path;
    e->desc = desc;
    e->reason = reason;
    e->handle = handle;
    if (desc) {
        for (size_t i = 0; i + 1 < reg->count; i++) {
            const struct plugin_entry *prev = &reg->entries[i];
            if (prev->desc && !prev->shadowed && strcmp(prev->desc->name, desc->name) == 0) {
                e->shadowed = 1;
                break;
            }
        }
    }
    return 0;
nomem:
    free(path);
    free(reason);
    dl_close(handle);
    return diag_set(ERR_NOMEM, "out of memory recording plugins");
}

static int reject(struct walk *w, const char *path, const char *why)
{
    return add_entry(w, strdup(path), NULL, dup_printf("%s: %s", path, why), NULL);
}

/* Returns 1 when the file was recorded already (reached through two
 * locations, or a symlink), 0 when new, negative on error. */
static int remember(struct walk *w, const struct stat *st)
{
    for (size_t i = 0; i < w->n_seen; i++)
        if (w->seen[i].dev == st->st_dev && w->seen[i].ino == st->st_ino)
            return 1;
    if (grow_array((void **)&w->seen, &w->cap_seen, w->n_seen + 1, sizeof *w->seen) < 0)
        return diag_set(ERR_NOMEM, "out of memory during plugin discovery");
    w->seen[w->n_seen].dev = st->st_dev;
    w->seen[w->n_seen].ino = st->st_ino;
    w->n_seen++;
    return 0;
}

static int load_one(struct walk *w, const char *path);

/* Loading a shared object runs its constructors, so a file is only handed
 * to the dynamic loader once the project's own ELF reader has found the
 * entry symbol in it: a stray library in a plugin directory is rejected
 * without running a line of its code. 0 when the symbol is there, else -1
 * with why filled in. */
static int has_entry_symbol(const char *path, char *why, size_t whylen)
{
    struct elf_file *e = NULL;
    uint64_t value = 0, size = 0;
    int fd, rc;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, whylen, "cannot open: %s", strerror(errno));
        return -1;
    }
    rc = elf_open(fd, path, &e);
    if (rc < 0) {
        snprintf(why, whylen, "not a tachyon plugin: not a 64-bit ELF shared object");
        return -1;
    }
    rc = elf_find_symbol(e, TACHYON_PLUGIN_ENTRY_NAME, &value, &size);
    elf_close(e);
    if (rc < 0 || value == 0) {
        snprintf(why, whylen, "not a tachyon plugin: no %s symbol", TACHYON_PLUGIN_ENTRY_NAME);
        return -1;
    }
    return 0;
}

/* Record candidates under their canonical path, so the listing and the
 * reasons say exactly which file was meant whatever way it was reached. */
static int load_candidate(struct walk *w, const char *path)
{
    char *canon = realpath(path, NULL);
    int rc = load_one(w, canon ? canon : path);

    free(canon);
    return rc;
}

static int load_one(struct walk *w, const char *path)
{
    char why[512];
    struct stat st;
    void *handle, *sym;
    tachyon_plugin_entry_fn entry;
    const tachyon_plugin *desc;
    int rc;

    if (stat(path, &st) != 0) {
        snprintf(why, sizeof why, "cannot access: %s", strerror(errno));
        return reject(w, path, why);
    }
    if (!S_ISREG(st.st_mode))
        return reject(w, path, "not a regular file");
    rc = remember(w, &st);
    if (rc != 0)
        return rc < 0 ? rc : 0;
    if (trust_check_path(path, why, sizeof why) < 0)
        return reject(w, path, why);

    if (has_entry_symbol(path, why, sizeof why) < 0)
        return reject(w, path, why);
    /* Its constructors run now: a crash there names the file. */
    guard_enter(path, "its constructors (dlopen)");
    handle = dl_open(path, why, sizeof why);
    guard_leave();
    if (!handle) {
        char msg[600];
        const char *text = why;
        size_t plen = strlen(path);
        /* The loader's message usually repeats the path, which the
         * reason already starts with. */
        if (strncmp(text, path, plen) == 0 && strncmp(text + plen, ": ", 2) == 0)
            text += plen + 2;
        snprintf(msg, sizeof msg, "cannot load: %s", text);
        return reject(w, path, msg);
    }
    sym = dl_symbol(handle, TACHYON_PLUGIN_ENTRY_NAME, why, sizeof why);
    if (!sym) {
        dl_close(handle);
        snprintf(why, sizeof why, "not a tachyon plugin: no %s symbol", TACHYON_PLUGIN_ENTRY_NAME);
        return reject(w, path, why);
    }
    /* dlsym hands back an object pointer; POSIX guarantees it converts to
     * a function pointer, and memcpy says so without a cast warning. */
    memcpy(&entry, &sym, sizeof entry);
    guard_enter(path, TACHYON_PLUGIN_ENTRY_NAME "()");
    desc = entry();
    guard_leave();
    if (descriptor_check(desc, why, sizeof why) < 0) {
        dl_close(handle);
        return reject(w, path, why);
    }
    return add_entry(w, strdup(path), desc, NULL, handle);
}

static int has_so_suffix(const char *name)
{
    size_t n = strlen(name);
    return n > 3 && strcmp(name + n - 3, ".so") == 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Load every "*.so" in dir, in name order so the result does not depend on
 * the file system's directory order. quiet: a missing directory is normal
 * (built-in locations), not worth a note. */
static int scan_dir(struct walk *w, const char *dir, int quiet)
{
    char why[512];
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    DIR *d;
    int rc = 0;

    d = opendir(dir);
    if (!d) {
        if (errno == ENOENT && quiet)
            return 0;
        return add_note(w, dup_printf("%s: cannot read plugin directory: %s", dir, strerror(errno)));
    }
    if (trust_check_path(dir, why, sizeof why) < 0) {
        closedir(d);
        return reject(w, dir, why);
    }
    while ((de = readdir(d)) != NULL) {
        if (!has_so_suffix(de->d_name))
            continue;
        if (grow_array((void **)&names, &cap, n + 1, sizeof *names) < 0) {
            rc = diag_set(ERR_NOMEM, "out of memory reading %s", dir);
            goto out;
        }
        names[n] = dup_printf("%s/%s", dir, de->d_name);
        if (!names[n]) {
            rc = diag_set(ERR_NOMEM, "out of memory reading %s", dir);
            goto out;
        }
        n++;
    }
    if (n > 1)
        qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct stat st;
        /* Only regular files (or links to them) are candidates: a
         * directory or socket named x.so is not a plugin. */
        if (stat(names[i], &st) == 0 && !S_ISREG(st.st_mode))
            continue;
        rc = load_candidate(w, names[i]);
    }
out:
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    closedir(d);
    return rc;
}

static int check_parent(const char *path, char *why, size_t whylen)
{
    char *canon = realpath(path, NULL), *slash;
    int rc = 0;

    if (!canon)
        return 0;
    slash = strrchr(canon, '/');
    if (slash) {
        if (slash == canon)
            slash[1] = '\0';
        else
            *slash = '\0';
        rc = trust_check_path(canon, why, whylen);
    }
    free(canon);
    return rc;
}

static int scan_explicit(struct walk *w, const char *path)
{
    struct stat st;
    char why[512];

    if (stat(path, &st) != 0) {
        snprintf(why, sizeof why, "cannot access: %s", strerror(errno));
        return reject(w, path, why);
    }
    if (S_ISDIR(st.st_mode))
        return scan_dir(w, path, 0);
    /* Whoever can write the directory can replace the file, so a named
     * file's directory must pass the same check a searched one does. */
    if (check_parent(path, why, sizeof why) < 0)
        return reject(w, path, why);
    /* A file the user named is tried whatever its name. */
    return load_candidate(w, path);
}

static int scan_path_list(struct walk *w, const char *list, const char *what)
{
    char *copy, *save = NULL, *dir;
    int rc = 0;

    if (!list || !*list)
        return 0;
    if (w->secure)
        return add_note(w, dup_printf("%s ignored in secure-execution mode (setuid or file "
                                      "capabilities)", what));
    copy = strdup(list);
    if (!copy)
        return diag_set(ERR_NOMEM, "out of memory reading %s", what);
    for (dir = strtok_r(copy, ":", &save); dir && rc == 0; dir = strtok_r(NULL, ":", &save))
        rc = scan_dir(w, dir, 0);
    free(copy);
    return rc;
}

static int scan_builtin(struct walk *w)
{
    char exe[PATH_MAX], dir[PATH_MAX + 64];
    ssize_t n;
    char *slash;
    int rc;

    n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            /* The build tree puts plugins next to the executable; an
             * installed or relocated tree keeps them under ../lib. */
            snprintf(dir, sizeof dir, "%s/plugins", exe);
            rc = scan_dir(w, dir, 1);
            if (rc < 0)
                return rc;
            snprintf(dir, sizeof dir, "%s/%s", exe, TACHYON_RELATIVE_PLUGINDIR);
            rc = scan_dir(w, dir, 1);
            if (rc < 0)
                return rc;
        }
    }
    return scan_dir(w, TACHYON_INSTALL_PLUGINDIR, 1);
}

int registry_discover(const struct discovery_opts *o, struct plugin_registry *reg)
{
    struct walk w;
    int rc = 0;

    memset(reg, 0, sizeof *reg);
    memset(&w, 0, sizeof w);
    w.reg = reg;
    w.secure = trust_secure_mode();

    if (o && o->n_explicit > 0) {
        if (w.secure) {
            rc = add_note(&w, dup_printf("explicit plugin paths ignored in secure-execution mode"));
        } else {
            for (size_t i = 0; i < o->n_explicit && rc == 0; i++) {
                size_t before = reg->count;
                struct stat st;
                int is_dir = stat(o->explicit_paths[i], &st) == 0 && S_ISDIR(st.st_mode);
                rc = scan_explicit(&w, o->explicit_paths[i]);
                for (size_t k = before; !is_dir && k < reg->count; k++)
                    reg->entries[k].requested = 1;
            }
        }
    }
    if (rc == 0 && o && o->use_environment)
        rc = scan_path_list(&w, getenv(PATH_ENV), PATH_ENV);
    if (rc == 0 && o && o->config_path)
        rc = scan_path_list(&w, o->config_path, "configured plugin path");
    if (rc == 0 && !(o && o->skip_builtin_dirs))
        rc = scan_builtin(&w);

    free(w.seen);
    if (rc < 0)
        registry_free(reg);
    return rc;
}

void registry_free(struct plugin_registry *reg)
{
    if (!reg)
        return;
    for (size_t i = 0; i < reg->count; i++) {
        dl_close(reg->entries[i].handle);
        free(reg->entries[i].path);
        free(reg->entries[i].reason);
    }
    for (size_t i = 0; i < reg->n_notes; i++)
        free(reg->notes[i]);
    free(reg->entries);
    free(reg->notes);
    memset(reg, 0, sizeof *reg);
}

const struct plugin_entry *registry_find_format(const struct plugin_registry *reg,
                                                const char *format,
                                                const tachyon_format **fmt)
{
    for (size_t i = 0; i < reg->count; i++) {
        const struct plugin_entry *e = &reg->entries[i];
        if (!e->desc || e->shadowed)
            continue;
        for (uint32_t j = 0; j < e->desc->format_count; j++) {
            const tachyon_format *f = descriptor_format(e->desc, j);
            if (strcmp(f->name, format) == 0) {
                if (fmt)
                    *fmt = f;
                return e;
            }
        }
    }
    if (fmt)
        *fmt = NULL;
    return NULL;
}

const struct plugin_entry *registry_format_rival(const struct plugin_registry *reg, const char *format)
{
    const struct plugin_entry *winner = registry_find_format(reg, format, NULL);

    for (size_t i = 0; winner && i < reg->count; i++) {
        const struct plugin_entry *e = &reg->entries[i];
        if (e == winner || !e->desc || e->shadowed)
            continue;
        for (uint32_t j = 0; j < e->desc->format_count; j++)
            if (strcmp(descriptor_format(e->desc, j)->name, format) == 0)
                return e;
    }
    return NULL;
}

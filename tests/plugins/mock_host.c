/* plugin_mock_host: loads one collector plugin with dlopen and drives it
 * through a minimal host built on the public SDK header alone. It exists
 * for inputs tachyon_feed's text format cannot express: frame names holding
 * ';', line breaks or bytes that are not UTF-8 (written as \xNN escapes),
 * and sample weights large enough to overflow 32-bit counters.
 *
 * usage: plugin_mock_host PLUGIN.so FORMAT [-o OUT] [--opt KEY=VALUE]...
 *                         [--interval US] [--tty] STACKFILE
 * STACKFILE lines: "<thread_id> <weight> <frames>", frames root first,
 * separated by ';', each "filename|function|line", with \xNN escapes. */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tachyon/plugin.h>

#define MAX_ITEMS 4096
#define MAX_OPTS 16

static char *strings[MAX_ITEMS + 1];
static size_t string_lens[MAX_ITEMS + 1];
static uint32_t nstrings;
static tachyon_frame frames[MAX_ITEMS + 1];
static uint32_t nframes;
static const char *opt_keys[MAX_OPTS], *opt_values[MAX_OPTS];
static int nopts;
static int fake_tty;
static const tachyon_plugin *plugin;
static tachyon_stats stats = {.struct_size = sizeof(tachyon_stats)};

struct tachyon_output {
    FILE *fp;
    char *path, *tmp;
};

static void host_log(const tachyon_host *h, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void host_log(const tachyon_host *h, int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "log[%d]: ", level);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static const char *host_string(const tachyon_host *h, tachyon_str_id id, size_t *len)
{
    if (id == 0 || id > nstrings)
        return NULL;
    if (len)
        *len = string_lens[id];
    return strings[id];
}

static const tachyon_frame *host_frame(const tachyon_host *h, tachyon_frame_id id)
{
    return id == 0 || id > nframes ? NULL : &frames[id];
}

static uint32_t host_frame_count(const tachyon_host *h)
{
    return nframes;
}

static const char *host_option(const tachyon_host *h, const char *key)
{
    for (int i = 0; i < nopts; i++)
        if (strcmp(opt_keys[i], key) == 0)
            return opt_values[i];
    for (uint32_t i = 0; i < plugin->option_count; i++)
        if (strcmp(plugin->options[i].name, key) == 0)
            return plugin->options[i].default_value;
    return NULL;
}

static const tachyon_stats *host_stats(const tachyon_host *h)
{
    return &stats;
}

static int host_output_open(const tachyon_host *h, const char *path, tachyon_output **out)
{
    tachyon_output *o = calloc(1, sizeof *o);
    if (!o)
        return TACHYON_ERR_NOMEM;
    if (!path)
        path = h->session->output_path;
    if (!path || strcmp(path, TACHYON_OUTPUT_STDOUT) == 0) {
        o->fp = stdout;
    } else {
        size_t n = strlen(path) + 5;
        o->path = strdup(path);
        o->tmp = malloc(n);
        if (o->tmp)
            snprintf(o->tmp, n, "%s.tmp", path);
        o->fp = o->tmp ? fopen(o->tmp, "wb") : NULL;
        if (!o->fp) {
            free(o->path);
            free(o->tmp);
            free(o);
            return TACHYON_ERR_IO;
        }
    }
    *out = o;
    return 0;
}

static int host_output_write(tachyon_output *o, const void *data, size_t len)
{
    return fwrite(data, 1, len, o->fp) == len ? 0 : TACHYON_ERR_IO;
}

static int host_output_printf(tachyon_output *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int host_output_printf(tachyon_output *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vfprintf(o->fp, fmt, ap);
    va_end(ap);
    return n < 0 ? TACHYON_ERR_IO : 0;
}

static int host_output_is_terminal(tachyon_output *o)
{
    return o->fp == stdout && fake_tty;
}

static int host_output_close(tachyon_output *o, int commit)
{
    int rc = 0;
    if (o->fp == stdout) {
        rc = fflush(stdout) == 0 ? 0 : TACHYON_ERR_IO;
    } else {
        rc = fclose(o->fp) == 0 ? 0 : TACHYON_ERR_IO;
        if (commit && !rc)
            rc = rename(o->tmp, o->path) == 0 ? 0 : TACHYON_ERR_IO;
        else
            remove(o->tmp);
    }
    free(o->path);
    free(o->tmp);
    free(o);
    return rc;
}

static int host_make_directory(const tachyon_host *h, const char *path)
{
    return TACHYON_ERR_UNSUPPORTED;
}

static int host_read_source(const tachyon_host *h, const char *f, char **d, size_t *l)
{
    return TACHYON_ERR_UNSUPPORTED;
}

static void host_free_buffer(const tachyon_host *h, void *d)
{
    free(d);
}

/* Decodes \xNN escapes in place; returns the decoded length. */
static size_t unescape(char *s)
{
    size_t w = 0;
    for (size_t r = 0; s[r];) {
        unsigned v;
        if (s[r] == '\\' && s[r + 1] == 'x' && sscanf(s + r + 2, "%2x", &v) == 1) {
            s[w++] = (char)v;
            r += 4;
        } else {
            s[w++] = s[r++];
        }
    }
    s[w] = '\0';
    return w;
}

static tachyon_str_id intern(char *text)
{
    size_t len = unescape(text);
    for (uint32_t i = 1; i <= nstrings; i++)
        if (string_lens[i] == len && memcmp(strings[i], text, len) == 0)
            return i;
    if (nstrings == MAX_ITEMS)
        return 0;
    strings[++nstrings] = malloc(len + 1);
    if (!strings[nstrings])
        return 0;
    memcpy(strings[nstrings], text, len + 1);
    string_lens[nstrings] = len;
    return nstrings;
}

static tachyon_frame_id frame_of(char *text)
{
    char *bar1 = strchr(text, '|'), *bar2 = bar1 ? strchr(bar1 + 1, '|') : NULL;
    if (!bar2)
        return 0;
    *bar1 = *bar2 = '\0';
    tachyon_frame f = {.struct_size = sizeof f, .opcode = TACHYON_NO_OPCODE,
                       .base_opcode = TACHYON_NO_OPCODE};
    f.filename = intern(text);
    f.funcname = intern(bar1 + 1);
    f.line = (int32_t)strtol(bar2 + 1, NULL, 10);
    if (!f.filename || !f.funcname)
        return 0;
    for (uint32_t i = 1; i <= nframes; i++)
        if (frames[i].filename == f.filename && frames[i].funcname == f.funcname &&
            frames[i].line == f.line)
            return i;
    if (nframes == MAX_ITEMS)
        return 0;
    frames[++nframes] = f;
    return nframes;
}

static int run(const char *path, void *state)
{
    FILE *fp = fopen(path, "r");
    char line[16384];
    tachyon_frame_id stack[MAX_ITEMS];
    if (!fp)
        return TACHYON_ERR_IO;
    int rc = 0;
    while (!rc && fgets(line, sizeof line, fp)) {
        unsigned long long tid, weight;
        int used = 0;
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        if (sscanf(line, "%llu %llu %n", &tid, &weight, &used) != 2) {
            rc = TACHYON_ERR_INVALID;
            break;
        }
        char *save = NULL, *parts[MAX_ITEMS];
        uint32_t depth = 0;
        for (char *f = strtok_r(line + used, ";", &save); f && depth < MAX_ITEMS;
             f = strtok_r(NULL, ";", &save))
            parts[depth++] = f;
        /* The file is root first; samples carry the innermost frame first. */
        for (uint32_t i = 0; i < depth; i++) {
            stack[depth - 1 - i] = frame_of(parts[i]);
            if (!stack[depth - 1 - i])
                rc = TACHYON_ERR_INVALID;
        }
        tachyon_sample s = {.struct_size = sizeof s, .thread_id = tid,
                            .weight = (uint32_t)weight, .depth = depth, .frames = stack};
        stats.samples += weight;
        if (!rc)
            rc = plugin->on_sample(state, &s);
    }
    fclose(fp);
    return rc;
}

int main(int argc, char **argv)
{
    const char *out = NULL, *stackfile = NULL;
    uint64_t interval = 100;
    if (argc < 4) {
        fprintf(stderr, "usage: plugin_mock_host PLUGIN.so FORMAT [options] STACKFILE\n");
        return 2;
    }
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
            out = argv[++i];
        } else if (strcmp(argv[i], "--opt") == 0 && i + 1 < argc && nopts < MAX_OPTS) {
            char *eq = strchr(argv[++i], '=');
            if (!eq)
                return 2;
            *eq = '\0';
            opt_keys[nopts] = argv[i];
            opt_values[nopts++] = eq + 1;
        } else if (strcmp(argv[i], "--interval") == 0 && i + 1 < argc) {
            interval = strtoull(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--tty") == 0) {
            fake_tty = 1;
        } else {
            stackfile = argv[i];
        }
    }
    void *dl = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    tachyon_plugin_entry_fn entry = dl ? (tachyon_plugin_entry_fn)dlsym(dl, TACHYON_PLUGIN_ENTRY_NAME) : NULL;
    if (!entry || !stackfile) {
        fprintf(stderr, "plugin_mock_host: cannot load %s: %s\n", argv[1], dl ? "no entry" : dlerror());
        return 2;
    }
    plugin = entry();
    tachyon_session session = {.struct_size = sizeof session, .mode = TACHYON_MODE_WALL,
                               .python_version = "3.13.0", .interval_us = interval,
                               .format = argv[2], .output_path = out};
    tachyon_host host = {
        .struct_size = sizeof host, .abi_minor = TACHYON_ABI_MINOR, .session = &session,
        .log = host_log, .string = host_string, .frame = host_frame,
        .frame_count = host_frame_count, .option = host_option, .stats = host_stats,
        .output_open = host_output_open, .output_write = host_output_write,
        .output_printf = host_output_printf, .output_is_terminal = host_output_is_terminal,
        .output_close = host_output_close, .make_directory = host_make_directory,
        .read_source = host_read_source, .free_buffer = host_free_buffer,
    };
    void *state = NULL;
    int rc = plugin->create(&host, argv[2], &state);
    if (rc == 0) {
        rc = run(stackfile, state);
        tachyon_finish_info fi = {.struct_size = sizeof fi, .stats = &stats};
        int frc = plugin->finish(state, &fi);
        if (!rc)
            rc = frc;
        plugin->destroy(state);
    }
    for (uint32_t i = 1; i <= nstrings; i++)
        free(strings[i]);
    dlclose(dl);
    if (rc)
        fprintf(stderr, "plugin_mock_host: plugin failed with %d\n", rc);
    return rc ? 1 : 0;
}

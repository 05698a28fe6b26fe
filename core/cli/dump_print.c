#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tachyon/plugin.h>

#include "../common/grow.h"
#include "dump_priv.h"

#define MAX_SOURCE_BYTES (16u << 20)   /* larger files are not shown */

/* Colours of upstream's dump theme. */
#define C_HEADER "\x1b[1;34m"
#define C_FRAME "\x1b[1;32m"
#define C_FILE "\x1b[36m"
#define C_LINE "\x1b[33m"
#define C_SOURCE "\x1b[37m"
#define C_HIGHLIGHT "\x1b[1;33m"
#define C_OPCODE "\x1b[90m"
#define C_WARNING "\x1b[33m"
#define C_RESET "\x1b[0m"

struct dump_source {
    uint32_t filename;   /* interned id */
    char *data;          /* NULL when the file could not be read */
    size_t len;
};

void dump_printer_init(struct dump_printer *p, FILE *out, const struct interner *in, pid_t pid)
{
    const char *term = getenv("TERM");
    memset(p, 0, sizeof *p);
    p->out = out;
    p->in = in;
    p->pid = pid;
    p->color = isatty(fileno(out)) && !getenv("NO_COLOR") && !(term && strcmp(term, "dumb") == 0);
    if (getcwd(p->cwd, sizeof p->cwd))
        p->cwd_len = strlen(p->cwd);
    if (pid > 0)
        snprintf(p->root, sizeof p->root, "/proc/%d/root", (int)pid);
}

void dump_printer_add(struct dump_printer *p, uint32_t interpreter_id)
{
    if (!p->seen_interp) {
        p->seen_interp = 1;
        p->first_interp = interpreter_id;
    } else if (interpreter_id != p->first_interp) {
        p->several_interps = 1;
    }
}

void dump_printer_free(struct dump_printer *p)
{
    size_t i;
    for (i = 0; i < p->n_sources; i++)
        free(p->sources[i].data);
    free(p->sources);
    p->sources = NULL;
    p->n_sources = p->cap_sources = 0;
}

static void colored(struct dump_printer *p, const char *color, const char *text, size_t len)
{
    if (p->color)
        fprintf(p->out, "%s%.*s%s", color, (int)len, text, C_RESET);
    else
        fprintf(p->out, "%.*s", (int)len, text);
}

void dump_status_text(uint32_t status, char *buf, size_t len)
{
    static const struct { uint32_t bit; const char *label; } labels[] = {
        { TACHYON_THREAD_MAIN, "main thread" },
        { TACHYON_THREAD_HAS_GIL, "has GIL" },
        { TACHYON_THREAD_ON_CPU, "on CPU" },
        { TACHYON_THREAD_GIL_REQUESTED, "waiting for GIL" },
        { TACHYON_THREAD_HAS_EXCEPTION, "has exception" },
    };
    size_t i, n = 0;
    buf[0] = '\0';
    for (i = 0; i < sizeof labels / sizeof labels[0] && n < len; i++)
        if (status & labels[i].bit)
            n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? ", " : "", labels[i].label);
    /* Idle: no GIL, exception or GIL request, and the kernel said it is
     * not running (when the kernel was not asked, nothing is claimed). */
    if (n < len &&
        !(status & (TACHYON_THREAD_HAS_GIL | TACHYON_THREAD_GIL_REQUESTED | TACHYON_THREAD_HAS_EXCEPTION)) &&
        !(status & (TACHYON_THREAD_UNKNOWN | TACHYON_THREAD_ON_CPU)))
        snprintf(buf + n, len - n, "%sidle", n ? ", " : "");
}

void dump_print_empty(struct dump_printer *p)
{
    char msg[64];
    int n = snprintf(msg, sizeof msg, "No Python stacks found for PID %d", (int)p->pid);
    colored(p, C_WARNING, msg, (size_t)n);
    fputc('\n', p->out);
}

static const struct dump_source *source_of(struct dump_printer *p, uint32_t filename, const char *name)
{
    struct dump_source *s;
    char path[4200];
    struct stat st;
    size_t i;
    int fd;

    for (i = 0; i < p->n_sources; i++)
        if (p->sources[i].filename == filename)
            return &p->sources[i];
    if (grow_array((void **)&p->sources, &p->cap_sources, p->n_sources + 1, sizeof *p->sources) < 0)
        return NULL;
    s = &p->sources[p->n_sources++];
    memset(s, 0, sizeof *s);
    s->filename = filename;
    /* "<string>", "<frozen ...>" and other pseudo files have no source. */
    if (name[0] == '<' || name[0] == '\0')
        return s;
    if (name[0] == '/')
        snprintf(path, sizeof path, "%s%s", p->root, name);
    else if (p->pid > 0)
        snprintf(path, sizeof path, "/proc/%d/cwd/%s", (int)p->pid, name);
    else
        snprintf(path, sizeof path, "%s", name);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return s;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 && (uint64_t)st.st_size <= MAX_SOURCE_BYTES) {
        s->data = malloc((size_t)st.st_size);
        if (s->data) {
            ssize_t r = read(fd, s->data, (size_t)st.st_size);
            if (r > 0) {
                s->len = (size_t)r;
            } else {
                free(s->data);
                s->data = NULL;
            }
        }
    }
    close(fd);
    return s;
}

/* The text of 1-based line n, without its newline. */
static int line_of(const struct dump_source *s, int n, const char **text, size_t *len)
{
    const char *p, *end, *nl;
    int cur = 1;
    if (!s || !s->data || n <= 0)
        return 0;
    p = s->data;
    end = s->data + s->len;
    while (cur < n) {
        nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            return 0;
        p = nl + 1;
        cur++;
    }
    nl = memchr(p, '\n', (size_t)(end - p));
    *text = p;
    *len = nl ? (size_t)(nl - p) : (size_t)(end - p);
    return 1;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\f' || c == '\v' || c == '\r';
}

/* The stripped source line, with the executing range highlighted: columns
 * are byte offsets of the original line, as the location table has them. */
static void print_source(struct dump_printer *p, const tachyon_frame *f, const char *name)
{
    const struct dump_source *s = source_of(p, f->filename, name);
    const char *text;
    size_t len, lead = 0;
    long start = -1, end = -1;

    if (!line_of(s, f->line, &text, &len))
        return;
    while (lead < len && is_space(text[lead]))
        lead++;
    if (lead == len)
        return;
    if (f->column >= 0 && f->end_column >= 0 && f->end_line >= f->line) {
        start = f->column;
        end = f->end_line == f->line ? f->end_column : (long)len;
        if (start > (long)len)
            start = (long)len;
        if (end > (long)len)
            end = (long)len;
        if (end <= start) {
            start = end = -1;
        } else {
            start = start - (long)lead > 0 ? start - (long)lead : 0;
            end = end - (long)lead > start + 1 ? end - (long)lead : start + 1;
            if (end > (long)(len - lead))
                end = (long)(len - lead);
        }
    }
    text += lead;
    len -= lead;
    fputs("    ", p->out);
    if (start < 0 || end <= start) {
        colored(p, C_SOURCE, text, len);
    } else {
        if (start > 0)
            colored(p, C_SOURCE, text, (size_t)start);
        colored(p, C_HIGHLIGHT, text + start, (size_t)(end - start));
        if ((size_t)end < len)
            colored(p, C_SOURCE, text + end, len - (size_t)end);
    }
    fputc('\n', p->out);
}

/* Paths below the current directory print relative to it, as upstream does. */
static const char *display_name(const struct dump_printer *p, const char *name)
{
    if (!p->cwd_len || name[0] != '/')
        return name;
    if (p->cwd_len == 1)
        return name[1] ? name + 1 : name;
    if (strncmp(name, p->cwd, p->cwd_len) == 0 && name[p->cwd_len] == '/' && name[p->cwd_len + 1])
        return name + p->cwd_len + 1;
    return name;
}

static void print_opcode(struct dump_printer *p, const tachyon_frame *f)
{
    char buf[160], num[16];
    const char *name, *base;
    int n;

    if (f->opcode == TACHYON_NO_OPCODE)
        return;
    name = interner_string(p->in, f->opcode_name, NULL);
    base = interner_string(p->in, f->base_opcode_name, NULL);
    if (!name) {
        snprintf(num, sizeof num, "<%d>", (int)f->opcode);
        name = num;
    }
    if (base && strcmp(base, name) != 0)
        n = snprintf(buf, sizeof buf, "opcode=%s (%s)", name, base);
    else
        n = snprintf(buf, sizeof buf, "opcode=%s", name);
    if (n < 0)
        return;
    fputs("  ", p->out);
    colored(p, C_OPCODE, buf, strlen(buf));
}

static void print_frame(struct dump_printer *p, uint32_t id)
{
    const tachyon_frame *f = interner_frame(p->in, id);
    const char *file, *func;
    char num[16];

    if (!f)
        return;
    file = interner_string(p->in, f->filename, NULL);
    func = interner_string(p->in, f->funcname, NULL);
    if (!file)
        file = "";
    if (!func)
        func = "<unknown>";
    if (f->kind == TACHYON_FRAME_GC || f->kind == TACHYON_FRAME_NATIVE || (strcmp(file, "~") == 0 && f->line <= 0) ||
        !file[0]) {
        fputs("  ", p->out);
        colored(p, C_FRAME, func, strlen(func));
    } else {
        const char *shown = display_name(p, file);
        fputs("  File ", p->out);
        if (p->color)
            fprintf(p->out, C_FILE "\"%s\"" C_RESET, shown);
        else
            fprintf(p->out, "\"%s\"", shown);
        if (f->line > 0) {
            snprintf(num, sizeof num, "%d", (int)f->line);
            fputs(", line ", p->out);
            colored(p, C_LINE, num, strlen(num));
        }
        fputs(", in ", p->out);
        colored(p, C_FRAME, func, strlen(func));
    }
    print_opcode(p, f);
    fputc('\n', p->out);
    if (f->kind == TACHYON_FRAME_PYTHON && f->line > 0 && strcmp(file, "~") != 0)
        print_source(p, f, file);
}

void dump_print_thread(struct dump_printer *p, size_t index, const struct dump_section *s)
{
    char head[256], labels[128], details[200];
    uint32_t i;
    int n;

    if (index)
        fputc('\n', p->out);
    dump_status_text(s->status, labels, sizeof labels);
    details[0] = '\0';
    if (s->task)
        snprintf(details, sizeof details, "task %llu", (unsigned long long)s->task);
    else if (p->several_interps)
        snprintf(details, sizeof details, "interpreter %u%s%s", s->interpreter_id, labels[0] ? "; " : "", labels);
    else
        snprintf(details, sizeof details, "%s", labels);
    if (index == 0)
        n = snprintf(head, sizeof head, "Stack dump for PID %d, thread %llu (%s%smost recent call last):", (int)p->pid,
                     (unsigned long long)s->tid, details, details[0] ? "; " : "");
    else
        n = snprintf(head, sizeof head, "Stack dump, thread %llu (%s%smost recent call last):",
                     (unsigned long long)s->tid, details, details[0] ? "; " : "");
    if (n < 0)
        return;
    colored(p, C_HEADER, head, strlen(head));
    fputc('\n', p->out);
    if (s->depth == 0) {
        colored(p, C_WARNING, "No Python frames", 16);
        fputc('\n', p->out);
        return;
    }
    for (i = s->depth; i-- > 0;)
        print_frame(p, s->frames[i]);
}

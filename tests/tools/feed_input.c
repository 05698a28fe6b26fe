/* STACKFILE parsing for tachyon_feed (format: tests/tools/README.md). */
#include "feed_input.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "intern/intern.h"

#define MAX_DEPTH 4096
#define MAX_FIELDS 7

struct feed_source {
    FILE *fp;
    const char *path;
    unsigned long lineno;
    struct interner *in;
    int keep_opcodes;
    struct feed_gen *gen;
    char *line;
    size_t linecap;
    tachyon_frame_id stack[MAX_DEPTH];
};

int feed_batch_add(struct feed_batch *b, const tachyon_sample *tmpl,
                   const tachyon_frame_id *frames, uint32_t depth)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1024;
        tachyon_sample *grown = realloc(b->samples, cap * sizeof *grown);
        size_t *offs;
        if (!grown)
            return diag_set(ERR_NOMEM, "out of memory buffering samples");
        b->samples = grown;
        offs = realloc(b->offsets, cap * sizeof *offs);
        if (!offs)
            return diag_set(ERR_NOMEM, "out of memory buffering samples");
        b->offsets = offs;
        b->cap = cap;
    }
    if (b->nframes + depth > b->capframes) {
        size_t cap = b->capframes ? b->capframes * 2 : 16384;
        tachyon_frame_id *grown;
        while (cap < b->nframes + depth)
            cap *= 2;
        grown = realloc(b->frames, cap * sizeof *grown);
        if (!grown)
            return diag_set(ERR_NOMEM, "out of memory buffering samples");
        b->frames = grown;
        b->capframes = cap;
    }
    b->samples[b->n] = *tmpl;
    b->samples[b->n].struct_size = sizeof(tachyon_sample);
    b->samples[b->n].depth = depth;
    b->samples[b->n].frames = NULL;
    b->offsets[b->n] = b->nframes;
    if (depth)
        memcpy(b->frames + b->nframes, frames, depth * sizeof *frames);
    b->nframes += depth;
    b->n++;
    return 0;
}

void feed_batch_finish(struct feed_batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        b->samples[i].frames = b->samples[i].depth ? b->frames + b->offsets[i] : NULL;
}

void feed_batch_free(struct feed_batch *b)
{
    free(b->samples);
    free(b->offsets);
    free(b->frames);
    memset(b, 0, sizeof *b);
}

static int parse_u64(const char *s, int base, uint64_t *out)
{
    char *end;
    unsigned long long v;

    if (!s || !*s || *s == '-')
        return ERR_INVALID;
    errno = 0;
    v = strtoull(s, &end, base);
    if (errno || *end)
        return ERR_INVALID;
    *out = v;
    return 0;
}

static int parse_i32(const char *s, int32_t *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (!*s || errno || *end || v < INT32_MIN || v > INT32_MAX)
        return ERR_INVALID;
    *out = (int32_t)v;
    return 0;
}

static int bad(struct feed_source *src, const char *what)
{
    return diag_set(ERR_USAGE, "%s:%lu: %s", src->path, src->lineno, what);
}

/* One frame "filename|function|line[|opcode|opname|base_opcode|base_opname]". */
static int parse_frame(struct feed_source *src, char *text, tachyon_frame_id *id)
{
    char *field[MAX_FIELDS];
    int n = 0;
    tachyon_frame f;
    char *p = text;

    while (n < MAX_FIELDS) {
        field[n++] = p;
        p = strchr(p, '|');
        if (!p)
            break;
        *p++ = '\0';
    }
    if (p || (n != 3 && n != 7))
        return bad(src, "a frame needs 3 or 7 '|'-separated fields");
    memset(&f, 0, sizeof f);
    f.struct_size = sizeof f;
    f.kind = TACHYON_FRAME_PYTHON;
    if (strcmp(field[0], "~") == 0 && strcmp(field[1], "<GC>") == 0)
        f.kind = TACHYON_FRAME_GC;
    else if (strcmp(field[0], "~") == 0 && strcmp(field[1], "<native>") == 0)
        f.kind = TACHYON_FRAME_NATIVE;
    else if (strncmp(field[1], "<task>", 6) == 0)
        f.kind = TACHYON_FRAME_TASK;
    if (parse_i32(field[2], &f.line) < 0)
        return bad(src, "frame line is not an integer");
    f.end_line = f.line;
    f.column = TACHYON_NO_LOCATION;
    f.end_column = TACHYON_NO_LOCATION;
    f.opcode = TACHYON_NO_OPCODE;
    f.base_opcode = TACHYON_NO_OPCODE;
    if (intern_cstring(src->in, field[0], &f.filename) < 0 ||
        intern_cstring(src->in, field[1], &f.funcname) < 0)
        return diag_set(ERR_NOMEM, "out of memory interning strings");
    if (n == 7 && src->keep_opcodes) {
        if (parse_i32(field[3], &f.opcode) < 0 || parse_i32(field[5], &f.base_opcode) < 0)
            return bad(src, "opcode is not an integer");
        if (intern_cstring(src->in, field[4], &f.opcode_name) < 0 ||
            intern_cstring(src->in, field[6], &f.base_opcode_name) < 0)
            return diag_set(ERR_NOMEM, "out of memory interning strings");
    }
    if (intern_frame(src->in, &f, id) < 0)
        return diag_set(ERR_NOMEM, "out of memory interning frames");
    return 0;
}

/* Split off the next blank-separated field of *p, or NULL at the end. */
static char *next_field(char **p)
{
    char *start = *p + strspn(*p, " \t"), *end;

    if (*start == '\0')
        return NULL;
    end = start + strcspn(start, " \t");
    if (*end)
        *end++ = '\0';
    *p = end;
    return start;
}

static int parse_line(struct feed_source *src, char *line, struct feed_batch *b)
{
    char *tok[4], *frames, *p = line;
    tachyon_sample s;
    uint64_t status, weight, ts;
    uint32_t depth = 0;
    int rc;

    for (int i = 0; i < 4; i++) {
        tok[i] = next_field(&p);
        if (!tok[i])
            return bad(src, "expected <thread_id> <status_hex> <weight> <timestamp_us> <frames>");
    }
    /* The frames are the rest of the line, so file names may hold blanks. */
    frames = p + strspn(p, " \t");
    memset(&s, 0, sizeof s);
    if (parse_u64(tok[0], 10, &s.thread_id) < 0)
        return bad(src, "thread id is not a decimal number");
    if (parse_u64(tok[1], 16, &status) < 0 || status > UINT32_MAX)
        return bad(src, "status is not a hexadecimal number");
    if (parse_u64(tok[2], 10, &weight) < 0 || weight == 0 || weight > UINT32_MAX)
        return bad(src, "weight must be a positive integer");
    if (parse_u64(tok[3], 10, &ts) < 0 || ts > UINT64_MAX / 1000)
        return bad(src, "timestamp is not a number of microseconds");
    s.status = (uint32_t)status;
    s.weight = (uint32_t)weight;
    s.timestamp_ns = ts * 1000;

    /* Frames are written root first; the ABI wants the innermost first, so
     * fill the stack from the top end and hand over the used tail. */
    if (*frames) {
        char *fsave = NULL;
        uint32_t count = 0;
        for (char *f = strtok_r(frames, ";", &fsave); f; f = strtok_r(NULL, ";", &fsave)) {
            if (count == MAX_DEPTH)
                return bad(src, "stack deeper than 4096 frames");
            rc = parse_frame(src, f, &src->stack[MAX_DEPTH - 1 - count]);
            if (rc < 0)
                return rc;
            count++;
        }
        depth = count;
    }
    return feed_batch_add(b, &s, src->stack + MAX_DEPTH - depth, depth);
}

int feed_open_file(const char *path, struct interner *in, int keep_opcodes,
                   struct feed_source **out)
{
    struct feed_source *src = calloc(1, sizeof *src);

    if (!src)
        return diag_set(ERR_NOMEM, "out of memory");
    src->fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!src->fp) {
        free(src);
        return diag_set(ERR_USAGE, "cannot open %s: %s", path, strerror(errno));
    }
    src->path = path;
    src->in = in;
    src->keep_opcodes = keep_opcodes;
    *out = src;
    return 0;
}

int feed_open_generator(const struct feed_gen_params *p, struct interner *in,
                        struct feed_source **out)
{
    struct feed_source *src = calloc(1, sizeof *src);
    int rc;

    if (!src)
        return diag_set(ERR_NOMEM, "out of memory");
    rc = feed_gen_create(p, in, &src->gen);
    if (rc < 0) {
        free(src);
        return rc;
    }
    *out = src;
    return 0;
}

int feed_next(struct feed_source *src, struct feed_batch *b, size_t max)
{
    ssize_t len;
    int rc;

    b->n = 0;
    b->nframes = 0;
    if (src->gen) {
        rc = feed_gen_next(src->gen, b, max);
        feed_batch_finish(b);
        return rc;
    }
    while (b->n < max && (len = getline(&src->line, &src->linecap, src->fp)) >= 0) {
        char *s = src->line;
        src->lineno++;
        while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r'))
            s[--len] = '\0';
        s += strspn(s, " \t");
        if (*s == '\0' || *s == '#')
            continue;
        rc = parse_line(src, s, b);
        if (rc < 0)
            return rc;
    }
    if (ferror(src->fp))
        return diag_set(ERR_IO, "%s: read error", src->path);
    feed_batch_finish(b);
    return (int)b->n;
}

void feed_close(struct feed_source *src)
{
    if (!src)
        return;
    if (src->fp && src->fp != stdin)
        fclose(src->fp);
    feed_gen_free(src->gen);
    free(src->line);
    free(src);
}

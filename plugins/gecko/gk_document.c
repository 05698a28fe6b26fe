#include "gk_document.h"

#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "gk_markers.h"

#define PROGRESS_EVERY 65536

static const struct {
    const char *name, *color;
} categories[GK_CAT_COUNT] = {
    {"Other", "grey"}, {"Python", "yellow"}, {"Native", "blue"}, {"GC", "orange"}, {"GIL", "green"},
    {"CPU", "purple"}, {"Code Type", "red"}, {"Opcodes", "magenta"}, {"Exception", "lightblue"},
};

static void tick(struct gk_profile *p, size_t i)
{
    if (p->progress && i % PROGRESS_EVERY == PROGRESS_EVERY - 1)
        p->progress(p->progress_arg);
}

static json_t *opcode_schema(void)
{
    return json_pack("{s:s, s:[s,s], s:s, s:s, s:s, s:["
                     "{s:s,s:s,s:s,s:b}, {s:s,s:s,s:s}, {s:s,s:s,s:s}, {s:s,s:s,s:s},"
                     "{s:s,s:s,s:s}, {s:s,s:s,s:s}, {s:s,s:s,s:s}]}",
                     "name", "Opcode", "display", "marker-table", "marker-chart",
                     "tooltipLabel", "{marker.data.opname}",
                     "tableLabel", "{marker.data.opname} at line {marker.data.line}",
                     "chartLabel", "{marker.data.opname}", "fields",
                     "key", "opname", "label", "Opcode", "format", "string", "searchable", 1,
                     "key", "base_opname", "label", "Base Opcode", "format", "string",
                     "key", "is_specialized", "label", "Specialized", "format", "string",
                     "key", "line", "label", "Line", "format", "integer",
                     "key", "column", "label", "Column", "format", "integer",
                     "key", "function", "label", "Function", "format", "string",
                     "key", "duration", "label", "Duration", "format", "duration");
}

static json_t *meta(const struct gk_profile *p)
{
    const tachyon_session *s = p->host->session;
    struct utsname u;
    json_t *cats = json_array(), *schema = json_array(), *m;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    double interval = (double)s->interval_us / 1000.0;

    if (uname(&u) != 0) {
        snprintf(u.machine, sizeof u.machine, "unknown");
        snprintf(u.sysname, sizeof u.sysname, "unknown");
    }
    /* The mean time between sampling instants, which is what the viewer
     * takes a sample to stand for. */
    if (p->ticks > 1 && p->last_tick_us > p->first_tick_us)
        interval = (double)(p->last_tick_us - p->first_tick_us) / 1000.0 / (double)(p->ticks - 1);
    for (int i = 0; cats && i < GK_CAT_COUNT; i++)
        json_array_append_new(cats, json_pack("{s:s,s:s,s:[s]}", "name", categories[i].name, "color",
                                              categories[i].color, "subcategories", "Other"));
    if (p->opcodes && schema)
        json_array_append_new(schema, opcode_schema());
    m = json_pack("{s:f, s:f, s:s, s:s, s:s, s:s, s:i, s:o, s:i, s:s, s:i, s:i, s:s, s:I, s:I, s:s, s:s, s:b,"
                  " s:o, s:s, s:{s:[], s:[], s:[], s:i}}",
                  "interval", interval, "startTime", (double)(s->start_time_unix_ns / 1000) / 1000.0,
                  "abi", u.machine, "misc", "Python profiler", "oscpu", u.machine, "platform", u.sysname,
                  "processType", 0, "categories", cats, "stackwalk", 0, "toolkit", "", "version", 32,
                  "preprocessedProfileVersion", 57, "appBuildID", "", "physicalCPUs",
                  (json_int_t)(cpus > 0 ? cpus : 0), "logicalCPUs", (json_int_t)(cpus > 0 ? cpus : 0),
                  "CPUName", "", "product", "Python", "symbolicated", 1, "markerSchema", schema,
                  "importedFrom", "Tachyon Sampling Profiler", "extensions", "id", "name", "baseURL",
                  "length", 0);
    return m;
}

/* Every column of the document is a JSON array written by one loop; a
 * cell writer puts element i of its source, and a progress tick runs as
 * the loop goes (the columns are as long as the samples and markers). */
typedef void (*cell_fn)(struct gk_writer *w, const void *src, size_t i);

static void put_column(struct gk_profile *p, struct gk_writer *w, cell_fn cell, const void *src, size_t n)
{
    GK_LIT(w, "[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            GK_LIT(w, ",");
        cell(w, src, i);
        tick(p, i);
    }
    GK_LIT(w, "]");
}

/* src is the literal itself ("null", "0", "-1", "1"). */
static void cell_literal(struct gk_writer *w, const void *src, size_t i)
{
    (void)i;
    gk_put(w, src, strlen(src));
}

static void cell_u32(struct gk_writer *w, const void *src, size_t i)
{
    uint32_t v = ((const uint32_t *)src)[i];
    if (v == GK_NULL)
        GK_LIT(w, "null");
    else
        gk_put_u64(w, v);
}

static void cell_u8(struct gk_writer *w, const void *src, size_t i)
{
    gk_put_u64(w, ((const uint8_t *)src)[i]);
}

static void cell_line(struct gk_writer *w, const void *src, size_t i)
{
    int32_t v = ((const int32_t *)src)[i];
    if (v == GK_NULL_LINE)
        GK_LIT(w, "null");
    else
        gk_put_i64(w, v);
}

static void cell_bool(struct gk_writer *w, const void *src, size_t i)
{
    if (((const uint8_t *)src)[i])
        GK_LIT(w, "true");
    else
        GK_LIT(w, "false");
}

static void cell_ms(struct gk_writer *w, const void *src, size_t i)
{
    gk_put_ms(w, ((const uint64_t *)src)[i]);
}

/* A frame's category is its function's: Python or native. */
static void cell_frame_category(struct gk_writer *w, const void *src, size_t i)
{
    const struct gk_thread *t = src;
    gk_put_u64(w, t->fn_python[t->fr_func[i]] ? GK_CAT_PYTHON : GK_CAT_NATIVE);
}

static void cell_marker_name(struct gk_writer *w, const void *src, size_t i)
{
    gk_put_u64(w, ((const struct gk_marker *)src)[i].name);
}

static void cell_marker_start(struct gk_writer *w, const void *src, size_t i)
{
    gk_put_ms(w, ((const struct gk_marker *)src)[i].start_us);
}

static void cell_marker_end(struct gk_writer *w, const void *src, size_t i)
{
    gk_put_ms(w, ((const struct gk_marker *)src)[i].end_us);
}

static void cell_marker_category(struct gk_writer *w, const void *src, size_t i)
{
    gk_put_u64(w, (uint64_t)gk_state_category(GK_MARKER_KIND(&((const struct gk_marker *)src)[i])));
}

static void put_samples(struct gk_profile *p, struct gk_writer *w, const struct gk_thread *t)
{
    GK_LIT(w, "\"samples\":{\"stack\":");
    put_column(p, w, cell_u32, t->s_stack, t->s_n);
    GK_LIT(w, ",\"time\":");
    put_column(p, w, cell_ms, t->s_time_us, t->s_n);
    GK_LIT(w, ",\"eventDelay\":");
    put_column(p, w, cell_literal, "null", t->s_n);
    /* A weight column only when some sample stands for several; the
     * viewer counts a null column as one per sample. */
    GK_LIT(w, ",\"weight\":");
    if (t->s_weight)
        put_column(p, w, cell_u32, t->s_weight, t->s_n);
    else
        GK_LIT(w, "null");
    GK_LIT(w, ",\"weightType\":\"samples\",\"length\":");
    gk_put_u64(w, t->s_n);
    GK_LIT(w, "}");
}

static void put_tables(struct gk_profile *p, struct gk_writer *w, const struct gk_thread *t)
{
    GK_LIT(w, ",\"stackTable\":{\"frame\":");
    put_column(p, w, cell_u32, t->st_frame, t->st_n);
    GK_LIT(w, ",\"category\":");
    put_column(p, w, cell_u8, t->st_cat, t->st_n);
    GK_LIT(w, ",\"subcategory\":");
    put_column(p, w, cell_literal, "0", t->st_n);
    GK_LIT(w, ",\"prefix\":");
    put_column(p, w, cell_u32, t->st_prefix, t->st_n);
    GK_LIT(w, ",\"length\":");
    gk_put_u64(w, t->st_n);

    GK_LIT(w, "},\"frameTable\":{\"address\":");
    put_column(p, w, cell_literal, "-1", t->fr_n);
    GK_LIT(w, ",\"category\":");
    put_column(p, w, cell_frame_category, t, t->fr_n);
    GK_LIT(w, ",\"subcategory\":");
    put_column(p, w, cell_literal, "0", t->fr_n);
    GK_LIT(w, ",\"func\":");
    put_column(p, w, cell_u32, t->fr_func, t->fr_n);
    GK_LIT(w, ",\"innerWindowID\":");
    put_column(p, w, cell_literal, "null", t->fr_n);
    GK_LIT(w, ",\"implementation\":");
    put_column(p, w, cell_literal, "null", t->fr_n);
    GK_LIT(w, ",\"optimizations\":");
    put_column(p, w, cell_literal, "null", t->fr_n);
    GK_LIT(w, ",\"line\":");
    put_column(p, w, cell_line, t->fr_line, t->fr_n);
    GK_LIT(w, ",\"column\":");
    put_column(p, w, cell_line, t->fr_col, t->fr_n);
    GK_LIT(w, ",\"inlineDepth\":");
    put_column(p, w, cell_literal, "0", t->fr_n);
    GK_LIT(w, ",\"nativeSymbol\":");
    put_column(p, w, cell_literal, "null", t->fr_n);
    GK_LIT(w, ",\"length\":");
    gk_put_u64(w, t->fr_n);

    GK_LIT(w, "},\"funcTable\":{\"name\":");
    put_column(p, w, cell_u32, t->fn_name, t->fn_n);
    GK_LIT(w, ",\"isJS\":");
    put_column(p, w, cell_bool, t->fn_python, t->fn_n);
    GK_LIT(w, ",\"relevantForJS\":");
    put_column(p, w, cell_bool, t->fn_python, t->fn_n);
    GK_LIT(w, ",\"resource\":");
    put_column(p, w, cell_u32, t->fn_res, t->fn_n);
    GK_LIT(w, ",\"fileName\":");
    put_column(p, w, cell_u32, t->fn_file, t->fn_n);
    GK_LIT(w, ",\"lineNumber\":");
    put_column(p, w, cell_line, t->fn_line, t->fn_n);
    GK_LIT(w, ",\"columnNumber\":");
    put_column(p, w, cell_literal, "null", t->fn_n);
    GK_LIT(w, ",\"length\":");
    gk_put_u64(w, t->fn_n);

    GK_LIT(w, "},\"resourceTable\":{\"lib\":");
    put_column(p, w, cell_literal, "null", t->rs_n);
    GK_LIT(w, ",\"name\":");
    put_column(p, w, cell_u32, t->rs_name, t->rs_n);
    GK_LIT(w, ",\"host\":");
    put_column(p, w, cell_literal, "null", t->rs_n);
    GK_LIT(w, ",\"type\":");
    put_column(p, w, cell_literal, "1", t->rs_n);
    GK_LIT(w, ",\"length\":");
    gk_put_u64(w, t->rs_n);
    GK_LIT(w, "},\"nativeSymbols\":{\"libIndex\":[],\"address\":[],\"name\":[],\"functionSize\":[],\"length\":0}");
}

/* {"type":"Opcode","opcode":..,"opname":..,...} for one opcode marker. */
static void put_opcode_data(struct gk_profile *p, struct gk_writer *w, const struct gk_marker *m)
{
    const tachyon_host *h = p->host;
    const tachyon_frame *f = h->frame(h, GK_MARKER_FRAME(m));
    const struct gk_str *name = &p->strings.v[m->name];
    size_t len = 0;
    const char *s;

    GK_LIT(w, "{\"type\":\"Opcode\",\"opcode\":");
    gk_put_i64(w, f ? f->opcode : -1);
    GK_LIT(w, ",\"opname\":");
    gk_put_string(w, name->s, name->len);
    GK_LIT(w, ",\"base_opname\":");
    s = f && f->base_opcode_name ? h->string(h, f->base_opcode_name, &len) : NULL;
    if (!s)
        s = name->s, len = name->len;
    gk_put_string(w, s, len);
    if (f && f->opcode != f->base_opcode)
        GK_LIT(w, ",\"is_specialized\":true,\"line\":");
    else
        GK_LIT(w, ",\"is_specialized\":false,\"line\":");
    gk_put_i64(w, f ? f->line : -1);
    GK_LIT(w, ",\"column\":");
    if (f && f->column >= 0)
        gk_put_i64(w, f->column);
    else
        GK_LIT(w, "null");
    GK_LIT(w, ",\"function\":");
    s = f ? h->string(h, f->funcname, &len) : NULL;
    if (!s)
        s = "?", len = 1;
    gk_put_string(w, s, len);
    GK_LIT(w, ",\"duration\":");
    gk_put_ms(w, m->end_us - m->start_us);
    GK_LIT(w, "}");
}

/* The "type" member of each state marker's payload, its name without
 * spaces, rendered once through Jansson. */
static int state_types(char types[GK_STATE_COUNT][48])
{
    for (int k = 0; k < GK_STATE_COUNT; k++) {
        char bare[32];
        const char *name = gk_state_name(k);
        size_t n = 0;
        for (; *name && n + 1 < sizeof bare; name++)
            if (*name != ' ')
                bare[n++] = *name;
        bare[n] = '\0';
        json_t *o = json_pack("{s:s}", "type", bare);
        size_t len = o ? json_dumpb(o, types[k], 47, GK_JSON_FLAGS | JSON_EMBED) : 0;
        json_decref(o);
        if (len == 0 || len > 47)
            return TACHYON_ERR_NOMEM;
        types[k][len] = '\0';
    }
    return 0;
}

static int put_markers(struct gk_profile *p, struct gk_writer *w, const struct gk_thread *t)
{
    const struct gk_markers *mk = &t->markers;
    char types[GK_STATE_COUNT][48];
    int rc = state_types(types);
    if (rc)
        return rc;
    GK_LIT(w, ",\"markers\":{\"data\":[");
    for (size_t i = 0; i < mk->n; i++) {
        const struct gk_marker *m = &mk->v[i];
        if (i)
            GK_LIT(w, ",");
        if (GK_MARKER_KIND(m) == GK_OPCODE) {
            put_opcode_data(p, w, m);
        } else {
            GK_LIT(w, "{");
            gk_put(w, types[m->what], strlen(types[m->what]));
            GK_LIT(w, ",\"duration\":");
            gk_put_ms(w, m->end_us - m->start_us);
            GK_LIT(w, ",\"tid\":");
            gk_put_u64(w, t->tid);
            GK_LIT(w, "}");
        }
        tick(p, i);
    }
    GK_LIT(w, "],\"name\":");
    put_column(p, w, cell_marker_name, mk->v, mk->n);
    GK_LIT(w, ",\"startTime\":");
    put_column(p, w, cell_marker_start, mk->v, mk->n);
    GK_LIT(w, ",\"endTime\":");
    put_column(p, w, cell_marker_end, mk->v, mk->n);
    GK_LIT(w, ",\"phase\":");
    put_column(p, w, cell_literal, "1", mk->n);
    GK_LIT(w, ",\"category\":");
    put_column(p, w, cell_marker_category, mk->v, mk->n);
    GK_LIT(w, ",\"length\":");
    gk_put_u64(w, mk->n);
    GK_LIT(w, "}");
    return 0;
}

static int put_thread(struct gk_profile *p, struct gk_writer *w, const struct gk_thread *t)
{
    char name[40], pid[24];
    json_t *head;
    int rc;

    snprintf(name, sizeof name, "Thread-%llu", (unsigned long long)t->tid);
    snprintf(pid, sizeof pid, "%lld", (long long)p->host->session->pid);
    head = json_pack("{s:s, s:b, s:i, s:n, s:i, s:n, s:[], s:s, s:I, s:s, s:s}", "name", name, "isMainThread",
                     t->is_main, "processStartupTime", 0, "processShutdownTime", "registerTime", 0,
                     "unregisterTime", "pausedRanges", "pid", pid, "tid", (json_int_t)t->tid, "processType",
                     "default", "processName", "Python Process");
    GK_LIT(w, "{");
    gk_put_json(w, head, GK_JSON_FLAGS | JSON_EMBED);
    json_decref(head);
    GK_LIT(w, ",");
    put_samples(p, w, t);
    put_tables(p, w, t);
    if ((rc = put_markers(p, w, t)))
        return rc;
    GK_LIT(w, "}");
    return w->rc;
}

int gk_document_write(struct gk_profile *p, struct gk_writer *w)
{
    json_t *m = meta(p);
    int rc;

    GK_LIT(w, "{\"meta\":");
    gk_put_json(w, m, GK_JSON_FLAGS);
    json_decref(m);
    GK_LIT(w, ",\"libs\":[],\"threads\":[");
    for (size_t i = 0; i < p->n_threads && !w->rc; i++) {
        if (i)
            GK_LIT(w, ",");
        if ((rc = put_thread(p, w, p->threads[i])))
            return rc;
    }
    GK_LIT(w, "],\"pages\":[],\"shared\":{\"stringArray\":[");
    for (size_t i = 0; i < p->strings.n; i++) {
        if (i)
            GK_LIT(w, ",");
        gk_put_string(w, p->strings.v[i].s, p->strings.v[i].len);
        tick(p, i);
    }
    GK_LIT(w, "],\"sources\":{\"length\":0,\"uuid\":[],\"filename\":[]}}}");
    return gk_flush(w);
}

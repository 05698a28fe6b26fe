/* Opening a target: version detection and layout selection.
 *
 * Py_Version (3.11+) names the version. From 3.13 on _PyRuntime starts with
 * _Py_DebugOffsets, whose cookie and version must agree with Py_Version
 * before its offsets are used. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "py_internal.h"

#define SUPPORTED "tachyon supports 3.11 to 3.15"

static void format_version(uint32_t hex, char *buf, size_t len)
{
    unsigned level = (hex >> 4) & 0xf, serial = hex & 0xf;
    const char *tag = level == 0xa ? "a" : level == 0xb ? "b" : level == 0xc ? "rc" : "";
    if (level == 0xf || *tag == '\0')
        snprintf(buf, len, "%u.%u.%u", hex >> 24, (hex >> 16) & 0xff, (hex >> 8) & 0xff);
    else
        snprintf(buf, len, "%u.%u.%u%s%u", hex >> 24, (hex >> 16) & 0xff, (hex >> 8) & 0xff, tag, serial);
}

/* Without Py_Version the interpreter predates 3.11; the file name of the
 * runtime usually still says which one ("libpython3.10.so", "python3.9"). */
static int unsupported_without_version(const struct py_image *img)
{
    const char *p = img ? strstr(img->path, "python") : NULL;
    char *end;
    long major, minor;

    if (p) {
        major = strtol(p + 6, &end, 10);
        if (end != p + 6 && *end == '.') {
            minor = strtol(end + 1, &end, 10);
            return diag_set(ERR_VERSION, "unsupported Python version %ld.%ld (" SUPPORTED ")", major, minor);
        }
    }
    return diag_set(ERR_VERSION, "unsupported Python version: no Py_Version, so older than 3.11 (" SUPPORTED ")");
}

static int pick_layout(struct py_target *t)
{
    uint8_t block[2048];
    size_t len;
    int rc;

    if (!py_layout_has_debug_offsets(t->hexversion))
        return py_layout_builtin(t->hexversion, &t->L) < 0
                   ? diag_set(ERR_VERSION, "no layout table for Python %s", t->version)
                   : 0;
    len = py_layout_debug_size(t->hexversion);
    if (len == 0)
        len = 16; /* enough to check the cookie and name the version */
    if (len > sizeof block)
        return diag_set(ERR_VERSION, "debug offsets of Python %s too large", t->version);
    rc = mem_read(t->r, t->runtime, block, len);
    if (rc < 0)
        return rc;
    return py_layout_from_debug(t->hexversion, block, len, &t->L);
}

static int compute_spans(struct py_target *t)
{
    const struct py_layout *L = &t->L;
    uint32_t gil_lo = L->gil_last_holder < L->gil_locked ? L->gil_last_holder : L->gil_locked;
    uint32_t gil_hi = L->gil_last_holder + 8 > L->gil_locked + 4 ? L->gil_last_holder + 8 : L->gil_locked + 4;
    int rt_gil = L->rt_gil != PY_OFF_NONE;
    uint32_t rt[] = { L->rt_interpreters_head, L->main_mode == PY_MAIN_BY_RUNTIME_IDENT ? L->rt_main_thread : PY_OFF_NONE,
                      rt_gil ? L->rt_gil + gil_lo : PY_OFF_NONE, rt_gil ? L->rt_gil + gil_hi - 8 : PY_OFF_NONE };
    uint32_t is[] = { L->is_next, L->is_id, L->is_threads_head,
                      L->main_mode == PY_MAIN_BY_INTERP_POINTER ? L->is_threads_main : PY_OFF_NONE };
    uint32_t ts[] = { L->ts_next, L->ts_interp, L->ts_frame, L->ts_thread_id, L->ts_native_thread_id,
                      L->ts_datastack_chunk, L->ts_datastack_top, L->ts_curexc, L->ts_exc_info,
                      L->ts_exc_state + L->err_exc_value, L->ts_exc_state + L->err_previous,
                      L->ts_holds_gil, L->ts_gil_requested };
    uint32_t fr[] = { L->fr_executable, L->fr_previous, L->fr_instr, L->fr_owner, L->fr_is_entry };
    uint32_t co[] = { L->ob_type, L->co_size, L->co_filename, L->co_qualname, L->co_linetable,
                      L->co_firstlineno, L->co_firsttraceable };
    uint32_t lo;

    t->gil_lo = gil_lo;
    t->gil_len = gil_hi - gil_lo;
    py_layout_span(rt, 4, &t->rt_lo, &t->rt_hi);
    py_layout_span(is, 4, &t->is_lo, &t->is_hi);
    py_layout_span(ts, sizeof ts / sizeof ts[0], &t->ts_lo, &t->ts_hi);
    py_layout_span(fr, 5, &lo, &t->fr_hi);
    py_layout_span(co, 7, &lo, &t->co_hi);
    if (t->rt_hi - t->rt_lo > sizeof t->rt_buf || t->is_hi - t->is_lo > 1024 ||
        t->ts_hi - t->ts_lo > PY_LAYOUT_MAX_TSTATE || t->gil_len > PY_LAYOUT_MAX_GIL ||
        (L->main_mode == PY_MAIN_BY_INTERP_POINTER && L->is_threads_main == PY_OFF_NONE) ||
        (L->main_mode == PY_MAIN_BY_RUNTIME_IDENT && L->rt_main_thread == PY_OFF_NONE))
        return diag_set(ERR_CORRUPT, "runtime or interpreter fields too far apart for Python %s", t->version);
    return 0;
}

int py_target_open(struct mem_reader *r, const struct py_image *img, struct interner *in,
                   struct py_target **out)
{
    struct py_target *t;
    uint32_t hex = 0;
    int rc;

    *out = NULL;
    if (!r || !img || !in || img->runtime_addr == 0)
        return diag_set(ERR_INVALID, "py_target_open: missing reader, image or runtime address");
    t = calloc(1, sizeof *t);
    if (!t)
        return ERR_NOMEM;
    t->r = r;
    t->in = in;
    t->runtime = img->runtime_addr;
    t->pid = img->pid;
    memset(t->op_base, 0xff, sizeof t->op_base);   /* -1: not looked up */

    if (img->py_version_addr) {
        rc = mem_read(r, img->py_version_addr, &hex, sizeof hex);
        if (rc < 0)
            goto fail;
    } else {
        /* A 3.13+ runtime still names its version in the debug block. */
        uint8_t head[16];
        if (mem_read(r, img->runtime_addr, head, sizeof head) == 0 && memcmp(head, "xdebugpy", 8) == 0)
            memcpy(&hex, head + 8, sizeof hex);
        if (hex == 0) {
            rc = unsupported_without_version(img);
            goto fail;
        }
    }
    t->hexversion = hex;
    format_version(hex, t->version, sizeof t->version);
    if ((hex >> 24) != 3 || ((hex >> 16) & 0xff) < 11 || ((hex >> 16) & 0xff) > 15) {
        rc = diag_set(ERR_VERSION, "unsupported Python version %s (" SUPPORTED ")", t->version);
        goto fail;
    }
    rc = pick_layout(t);
    if (rc == 0)
        rc = py_layout_validate(&t->L);
    if (rc == 0)
        rc = compute_spans(t);
    if (rc < 0)
        goto fail;

    rc = py_code_cache_init(&t->codes);
    if (rc < 0)
        goto fail;
    t->is_bufs = malloc((size_t)PY_MAX_INTERPRETERS * (t->is_hi - t->is_lo));
    t->guard_bufs = malloc((size_t)PY_MAX_SPEC_CODES * t->co_hi);
    t->visited = calloc(PY_VISITED_SIZE, sizeof *t->visited);
    t->visited_gen = calloc(PY_VISITED_SIZE, sizeof *t->visited_gen);
    t->spans = calloc(PY_MAX_SPEC_CODES, sizeof *t->spans);
    t->cap_spans = PY_MAX_SPEC_CODES;
    if (!t->is_bufs || !t->guard_bufs || !t->visited || !t->visited_gen || !t->spans) {
        rc = ERR_NOMEM;
        goto fail;
    }
    /* Py_None tells "no exception" from an exception in exc_info; without
     * the symbol (a stripped runtime) it is learnt from the first None seen. */
    if (proc_resolve_symbol(img, "_Py_NoneStruct", &t->none_addr) < 0)
        t->none_addr = 0;
    diag_clear();
    *out = t;
    return 0;
fail:
    py_target_close(t);
    return rc;
}

uint32_t py_target_hexversion(const struct py_target *t)
{
    return t->hexversion;
}

const char *py_target_version(const struct py_target *t)
{
    return t->version;
}

void py_target_close(struct py_target *t)
{
    if (!t)
        return;
    py_walk_free(t);
    py_status_free(t);
    py_async_free(t);
    if (t->codes.slots)
        py_code_cache_free(&t->codes);
    py_buf_free(&t->sbuf);
    free(t->is_bufs);
    free(t->guard_bufs);
    free(t->visited);
    free(t->visited_gen);
    free(t);
}

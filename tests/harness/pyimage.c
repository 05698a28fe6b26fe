/* The synthetic 3.13 process image shared by the decoder unit tests: the
 * arena, the object makers, the debug-offsets block and the way the arena
 * becomes a synthetic reader and a decoder target. */
#include "pyimage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "common/err.h"

struct pyimg_types pyimg_types;

static uint8_t *arena;
static size_t used;

void pyimg_reset(void)
{
    if (!arena)
        arena = malloc(PYIMG_ARENA);
    if (!arena)
        abort();
    memset(arena, 0, PYIMG_ARENA);
    used = 0;
    pyimg_types.code = pyimg_type("code");
    pyimg_types.str = pyimg_type("str");
    pyimg_types.bytes = pyimg_type("bytes");
}

void pyimg_free(void)
{
    free(arena);
    arena = NULL;
    used = 0;
}

uint64_t pyimg_alloc(size_t n)
{
    uint64_t a = PYIMG_BASE + used;
    /* A test that outgrows the arena is a broken test, not a case to handle. */
    if (n > PYIMG_ARENA - used)
        abort();
    used += (n + 15) & ~(size_t)15;
    return a;
}

size_t pyimg_used(void) { return used; }
uint8_t *pyimg_at(uint64_t a) { return arena + (a - PYIMG_BASE); }
void pyimg_put64(uint64_t a, uint64_t v) { memcpy(pyimg_at(a), &v, 8); }
void pyimg_put32(uint64_t a, uint32_t v) { memcpy(pyimg_at(a), &v, 4); }

uint64_t pyimg_get64(uint64_t a)
{
    uint64_t v;
    memcpy(&v, pyimg_at(a), 8);
    return v;
}

/* --- objects ------------------------------------------------------------ */

uint64_t pyimg_type(const char *name)
{
    size_t n = strlen(name) + 1;
    uint64_t t = pyimg_alloc(TP_SIZE), s = pyimg_alloc(n);
    memcpy(pyimg_at(s), name, n);
    pyimg_put64(t + TP_NAME, s);
    return t;
}

uint64_t pyimg_str(const void *units, size_t nchars, unsigned kind, int ascii)
{
    size_t hdr = ascii ? UNI_ASCII : UNI_COMPACT;
    uint64_t s = pyimg_alloc(hdr + (nchars + 1) * kind);
    pyimg_put64(s + OB_TYPE, pyimg_types.str);
    pyimg_put64(s + UNI_LENGTH, nchars);
    /* state: kind in bits 2-4, compact (bit 5), ascii (bit 6). */
    pyimg_put32(s + UNI_STATE, (kind << 2) | (1u << 5) | ((unsigned)ascii << 6));
    memcpy(pyimg_at(s + hdr), units, nchars * kind);
    return s;
}

uint64_t pyimg_ascii(const char *text)
{
    return pyimg_str(text, strlen(text), 1, 1);
}

uint64_t pyimg_bytes(const void *data, size_t n)
{
    uint64_t b = pyimg_alloc(BY_SVAL + n + 1);
    pyimg_put64(b + OB_TYPE, pyimg_types.bytes);
    pyimg_put64(b + BY_SIZE, n);
    memcpy(pyimg_at(b + BY_SVAL), data, n);
    return b;
}

uint64_t pyimg_code(uint64_t filename, uint64_t qualname, int firstline,
                    const uint8_t *linetable, size_t linetable_len)
{
    uint64_t c = pyimg_alloc(CO_CODE + NUNITS * 2);
    pyimg_put64(c + OB_TYPE, pyimg_types.code);
    pyimg_put64(c + CO_NSIZE, NUNITS);
    pyimg_put64(c + CO_FILENAME, filename);
    /* The decoder names frames by co_qualname; a co_name it must never show
     * makes reading the wrong field fail the name checks. */
    pyimg_put64(c + CO_NAME, pyimg_ascii("co_name"));
    pyimg_put64(c + CO_QUALNAME, qualname);
    pyimg_put64(c + CO_LINETABLE, pyimg_bytes(linetable, linetable_len));
    pyimg_put32(c + CO_FIRSTLINE, (uint32_t)firstline);
    pyimg_put32(c + CO_FIRSTTRACE, 0);
    return c;
}

void pyimg_frame(uint64_t f, uint64_t code, int unit, uint64_t prev, uint8_t owner)
{
    pyimg_put64(f + FR_EXEC, code);
    pyimg_put64(f + FR_INSTR, code + CO_CODE + 2 * (uint64_t)unit);
    pyimg_put64(f + FR_PREV, prev);
    pyimg_at(f)[FR_OWNER] = owner;
}

void pyimg_entry_frame(uint64_t f, uint64_t prev)
{
    pyimg_put64(f + FR_PREV, prev);
    pyimg_at(f)[FR_OWNER] = 3;
}

uint64_t pyimg_chunk(size_t size)
{
    uint64_t c = pyimg_alloc(size);
    pyimg_put64(c + 8, size);
    return c;
}

/* --- the process -------------------------------------------------------- */

/* Word indexes follow the 3.13 _Py_DebugOffsets struct: cookie, version,
 * free_threaded, then runtime (3), interpreter (13), thread (9), frame (6),
 * code (10), object (2), type (4), tuple, list, dict (3 each), float (2),
 * long (3), bytes (3), str (4) and GC (2) sections. Words left zero are
 * fields the decoder does not read. */
void pyimg_debug_offsets(uint64_t d[PYIMG_DEBUG_WORDS])
{
    memset(d, 0, PYIMG_DEBUG_WORDS * 8);
    memcpy(d, "xdebugpy", 8);
    d[1] = PYIMG_HEX313;
    d[3] = RT_SIZE; d[5] = RT_HEAD;
    d[6] = IS_SIZE; d[7] = IS_ID; d[8] = IS_NEXT; d[9] = IS_THREADS; d[10] = IS_GC;
    d[14] = IS_GIL_PTR; d[15] = IS_GIL; d[17] = IS_GIL + GIL_LOCKED; d[18] = IS_GIL + GIL_HOLDER;
    d[19] = TS_SIZE; d[21] = TS_NEXT; d[22] = TS_INTERP; d[23] = TS_FRAME; d[24] = TS_TID;
    d[25] = TS_NATIVE; d[26] = TS_CHUNK;
    d[28] = FR_SIZE; d[29] = FR_PREV; d[30] = FR_EXEC; d[31] = FR_INSTR; d[32] = FR_LOCALS; d[33] = FR_OWNER;
    d[34] = CO_SIZE; d[35] = CO_FILENAME; d[36] = CO_NAME; d[37] = CO_QUALNAME; d[38] = CO_LINETABLE;
    d[39] = CO_FIRSTLINE; d[43] = CO_CODE;
    d[44] = 16; d[45] = OB_TYPE;
    d[46] = TP_SIZE; d[47] = TP_NAME;
    d[64] = BY_SVAL + 8; d[65] = BY_SIZE; d[66] = BY_SVAL;
    d[67] = UNI_SIZE; d[68] = UNI_STATE; d[69] = UNI_LENGTH; d[70] = UNI_ASCII;
    d[71] = GC_SIZE; d[72] = GC_COLLECTING;
}

static void thread(uint64_t ts, uint64_t interp, uint64_t top, uint64_t chunk, uint64_t tid, uint64_t native)
{
    pyimg_put64(ts + TS_INTERP, interp);
    pyimg_put64(ts + TS_FRAME, top);
    pyimg_put64(ts + TS_TID, tid);
    pyimg_put64(ts + TS_NATIVE, native);
    pyimg_put64(ts + TS_CHUNK, chunk);
    pyimg_put64(ts + TS_TOP, top + FR_SIZE);
}

void pyimg_process(struct pyimg_proc *p, uint64_t top1, uint64_t chunk1, uint64_t code2)
{
    uint64_t dbg[PYIMG_DEBUG_WORDS];

    p->runtime = pyimg_alloc(RT_SIZE);
    pyimg_debug_offsets(dbg);
    memcpy(pyimg_at(p->runtime), dbg, sizeof dbg);
    p->version = pyimg_alloc(8);
    pyimg_put32(p->version, PYIMG_HEX313);
    p->interp = pyimg_alloc(IS_SIZE);
    p->t1 = pyimg_alloc(TS_SIZE);
    p->t2 = pyimg_alloc(TS_SIZE);
    pyimg_put64(p->runtime + RT_HEAD, p->interp);
    pyimg_put64(p->runtime + RT_MAIN, 0x1111);
    pyimg_put64(p->interp + IS_ID, 0);
    pyimg_put64(p->interp + IS_THREADS, p->t1);
    pyimg_put64(p->t1 + TS_NEXT, p->t2);
    thread(p->t1, p->interp, top1, chunk1, 0x1111, 1001);
    p->chunk2 = pyimg_chunk(4096);
    p->g0 = p->chunk2 + CHUNK_HDR;
    pyimg_frame(p->g0, code2, 0, 0, 0);
    thread(p->t2, p->interp, p->g0, p->chunk2, 0x2222, 1002);
}

/* --- running the decoder -------------------------------------------------- */

int pyimg_open(struct pyimg_env *e, const struct pyimg_proc *p)
{
    struct py_image img;
    int rc;

    memset(e, 0, sizeof *e);
    memset(&img, 0, sizeof img);
    snprintf(img.path, sizeof img.path, "synthetic");
    img.runtime_addr = p->runtime;
    img.py_version_addr = p->version;
    /* Out of memory in the test itself: nothing worth reporting as a check. */
    if (mem_reader_open_synthetic(&e->r) < 0 || mem_synth_map(e->r, PYIMG_BASE, arena, used) < 0 ||
        interner_create(&e->in) < 0)
        abort();
    rc = py_target_open(e->r, &img, e->in, &e->t);
    CHECK(rc < 0 ? e->t == NULL : e->t != NULL);
    return rc;
}

void pyimg_close(struct pyimg_env *e)
{
    py_target_close(e->t);
    mem_reader_close(e->r);
    interner_destroy(e->in);
}

void pyimg_poke64(struct pyimg_env *e, uint64_t a, uint64_t v)
{
    pyimg_put64(a, v);
    CHECK_INT(mem_synth_poke(e->r, a, &v, 8), 0);
}

void pyimg_poke32(struct pyimg_env *e, uint64_t a, uint32_t v)
{
    pyimg_put32(a, v);
    CHECK_INT(mem_synth_poke(e->r, a, &v, 4), 0);
}

void pyimg_poke8(struct pyimg_env *e, uint64_t a, uint8_t v)
{
    pyimg_at(a)[0] = v;
    CHECK_INT(mem_synth_poke(e->r, a, &v, 1), 0);
}

static int collect(void *ctx, const struct py_thread_sample *s)
{
    struct pyimg_result *r = ctx;
    if (r->n == PYIMG_MAXT || s->depth > PY_MAX_DEPTH)
        return ERR_GENERIC;
    r->th[r->n].tid = s->thread_id;
    r->th[r->n].native = s->native_thread_id;
    r->th[r->n].status = s->status;
    r->th[r->n].depth = s->depth;
    memcpy(r->th[r->n].frames, s->frames, s->depth * sizeof s->frames[0]);
    r->n++;
    return 0;
}

int pyimg_sample(struct pyimg_env *e, struct pyimg_result *r)
{
    r->n = 0;
    return py_target_sample(e->t, &e->o, collect, r);
}

const tachyon_frame *pyimg_frame_of(struct pyimg_env *e, uint32_t id)
{
    return interner_frame(e->in, id);
}

const char *pyimg_str_of(struct pyimg_env *e, uint32_t id)
{
    return id ? interner_string(e->in, id, NULL) : NULL;
}

const char *pyimg_name_of(struct pyimg_env *e, uint32_t id)
{
    const tachyon_frame *f = pyimg_frame_of(e, id);
    return f ? pyimg_str_of(e, f->funcname) : NULL;
}

int pyimg_line_of(struct pyimg_env *e, uint32_t id)
{
    const tachyon_frame *f = pyimg_frame_of(e, id);
    return f ? f->line : PYIMG_NO_FRAME;
}

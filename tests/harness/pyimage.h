/* A synthetic CPython 3.13 process image for decoder unit tests.
 *
 * The image lives in one zeroed arena that is mapped at PYIMG_BASE in a
 * synthetic reader. Its _Py_DebugOffsets block publishes the offsets below,
 * which are deliberately unlike the real 3.13 ones (thread ident, native id,
 * current frame, data-stack chunk, every frame and code field, the GC flag),
 * so a decoder that used a built-in 3.13 offset instead of the published one
 * reads the wrong field and fails the tests. Test-specific fixtures (which
 * frames, which code objects, what gets corrupted) stay in the tests. */
#ifndef TESTS_HARNESS_PYIMAGE_H
#define TESTS_HARNESS_PYIMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "intern/intern.h"
#include "mem/reader.h"
#include "python/python.h"

#define PYIMG_HEX313 0x030d00f0u
#define PYIMG_BASE 0x10000000ull
#define PYIMG_ARENA (1u << 20)
/* An address no test maps: reads from it fail like unmapped memory. */
#define PYIMG_UNMAPPED 0x7a000000ull
/* The _Py_DebugOffsets block of 3.13 is this many uint64_t words. */
#define PYIMG_DEBUG_WORDS 73

/* The layout the debug block publishes. Fields it does not publish are
 * placed where the decoder derives them from a published neighbour
 * (main thread ident, data-stack top, exception state, first traceable
 * instruction, compact str header). */
enum {
    RT_SIZE = 1024, RT_HEAD = 640, /* after the 584-byte debug block */ RT_MAIN = RT_HEAD + 24,
    IS_SIZE = 4096, IS_ID = 16, IS_NEXT = 8, IS_THREADS = 320, IS_GIL_PTR = 400,
    IS_GIL = 1000, GIL_HOLDER = 8, GIL_LOCKED = 16, IS_GC = 2000, GC_SIZE = 256, GC_COLLECTING = 184,
    TS_SIZE = 512, TS_NEXT = 16, TS_INTERP = 24, TS_FRAME = 64, TS_CUREXC = TS_FRAME + 40,
    TS_EXC_INFO = TS_FRAME + 48, TS_TID = 120, TS_NATIVE = 144, TS_CHUNK = 200, TS_TOP = TS_CHUNK + 8,
    TS_EXC_STATE = TS_CHUNK + 24,
    FR_SIZE = 96, FR_PREV = 16, FR_EXEC = 24, FR_INSTR = 40, FR_LOCALS = 64, FR_OWNER = 58,
    CO_SIZE = 256, CO_NSIZE = 16, CO_FILENAME = 120, CO_NAME = 128, CO_QUALNAME = 136, CO_LINETABLE = 144,
    CO_FIRSTLINE = 60, CO_CODE = 224, CO_FIRSTTRACE = CO_CODE - 16,
    OB_TYPE = 8, TP_SIZE = 400, TP_NAME = 32, BY_SIZE = 24, BY_SVAL = 40,
    UNI_SIZE = 80, UNI_STATE = 24, UNI_LENGTH = 32, UNI_ASCII = 48, UNI_COMPACT = UNI_ASCII + 16,
    CHUNK_HDR = 24, NUNITS = 16,
};

/* --- the arena ----------------------------------------------------------- */

/* Clear the arena (allocated on first use) and lay out the code, str and
 * bytes types every image needs. */
void pyimg_reset(void);
/* Release the arena at the end of a test program. */
void pyimg_free(void);
/* A zeroed block of n bytes, 16-byte aligned; aborts when the arena is full. */
uint64_t pyimg_alloc(size_t n);
/* Bytes of the arena in use (everything mapped by pyimg_open). */
size_t pyimg_used(void);
uint8_t *pyimg_at(uint64_t a);
void pyimg_put64(uint64_t a, uint64_t v);
void pyimg_put32(uint64_t a, uint32_t v);
uint64_t pyimg_get64(uint64_t a);

/* --- objects ------------------------------------------------------------- */

struct pyimg_types {
    uint64_t code, str, bytes;
};
extern struct pyimg_types pyimg_types;

uint64_t pyimg_type(const char *name);
/* A compact str of nchars units of the given kind (1, 2 or 4); ascii marks
 * it as an ASCII-only str (kind 1, every unit below 0x80). */
uint64_t pyimg_str(const void *units, size_t nchars, unsigned kind, int ascii);
uint64_t pyimg_ascii(const char *text);
uint64_t pyimg_bytes(const void *data, size_t n);
/* A code object of NUNITS code units with its own copy of the line table
 * (so a test can corrupt one code's table alone); its co_name is another
 * str than qualname, the first traceable unit is 0. */
uint64_t pyimg_code(uint64_t filename, uint64_t qualname, int firstline,
                    const uint8_t *linetable, size_t linetable_len);
/* An interpreter frame at f running code at the given unit. */
void pyimg_frame(uint64_t f, uint64_t code, int unit, uint64_t prev, uint8_t owner);
/* An entry frame the interpreter pushes on the C stack (owner 3): no code,
 * only the link to prev. */
void pyimg_entry_frame(uint64_t f, uint64_t prev);
/* A data-stack chunk of size bytes (header included, no previous chunk);
 * its first frame goes at chunk + CHUNK_HDR. */
uint64_t pyimg_chunk(size_t size);

/* --- the process --------------------------------------------------------- */

/* The debug-offsets block that publishes the layout above. */
void pyimg_debug_offsets(uint64_t d[PYIMG_DEBUG_WORDS]);

struct pyimg_proc {
    uint64_t runtime, version, interp, t1, t2;
    uint64_t chunk2, g0; /* t2's data-stack chunk and its only frame */
};

/* Lay out _PyRuntime (the debug block first), Py_Version (3.13.0) and one
 * interpreter with two thread states: t1 (the main thread, ident 0x1111,
 * native id 1001) runs top1, the last frame in chunk1; t2 (ident 0x2222,
 * native id 1002) runs one frame g0 of code2 at unit 0, alone in a chunk of
 * its own. */
void pyimg_process(struct pyimg_proc *p, uint64_t top1, uint64_t chunk1, uint64_t code2);

/* --- running the decoder ------------------------------------------------- */

struct pyimg_env {
    struct mem_reader *r;
    struct interner *in;
    struct py_target *t;
    struct py_sample_opts o; /* what pyimg_sample asks for; zeroed by open */
};

/* Map the arena into a fresh synthetic reader and open a target on the
 * process; returns py_target_open's code (and checks that a target exists
 * exactly when it succeeded). pyimg_close is needed either way. */
int pyimg_open(struct pyimg_env *e, const struct pyimg_proc *p);
void pyimg_close(struct pyimg_env *e);

/* Write into the arena and the mapped copy alike, so a later pyimg_open
 * sees the same memory as the running reader. */
void pyimg_poke64(struct pyimg_env *e, uint64_t a, uint64_t v);
void pyimg_poke32(struct pyimg_env *e, uint64_t a, uint32_t v);
void pyimg_poke8(struct pyimg_env *e, uint64_t a, uint8_t v);

#define PYIMG_MAXT 4
/* The threads of one sample, as the decoder handed them over. */
struct pyimg_result {
    unsigned n;
    struct {
        uint64_t tid, native;
        uint32_t status, depth;
        uint32_t frames[PY_MAX_DEPTH];
    } th[PYIMG_MAXT];
};

/* One sample with e->o into r; returns py_target_sample's code. */
int pyimg_sample(struct pyimg_env *e, struct pyimg_result *r);

const tachyon_frame *pyimg_frame_of(struct pyimg_env *e, uint32_t id);
/* The interned string id (NULL for 0), and a frame's function name. */
const char *pyimg_str_of(struct pyimg_env *e, uint32_t id);
const char *pyimg_name_of(struct pyimg_env *e, uint32_t id);
/* A frame's line, or PYIMG_NO_FRAME (a line no test expects) when id names
 * no frame, so a broken decoder fails the check instead of crashing it. */
#define PYIMG_NO_FRAME (-1000000)
int pyimg_line_of(struct pyimg_env *e, uint32_t id);

#endif

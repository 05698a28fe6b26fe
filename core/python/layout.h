/* Version-specific facts about CPython's memory layout.
 *
 * The walker in walk.c knows nothing about versions: it reads the offsets
 * and flags in a struct py_layout. For 3.11 and 3.12 the layout is a
 * built-in table (offsets measured with offsetof() against those versions'
 * internal headers); from 3.13 on it is filled from the _Py_DebugOffsets
 * block the target carries at the start of _PyRuntime, plus a few facts the
 * block does not publish (see layout.c). Supporting another version means
 * adding a table there, not a code path here. */
#ifndef CORE_PYTHON_LAYOUT_H
#define CORE_PYTHON_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#define PY_OFF_NONE UINT32_MAX

/* How the main thread is recognised. */
enum py_main_mode {
    /* _PyRuntime.main_thread holds the pthread ident of the thread that
     * initialised the runtime (updated after fork); compare it with each
     * thread state's thread_id. */
    PY_MAIN_BY_RUNTIME_IDENT = 0,
    /* PyInterpreterState.threads.main points at the main thread state. */
    PY_MAIN_BY_INTERP_POINTER = 1,
};

/* What the frame's instruction pointer designates. Both point inside the
 * executing instruction (so both give the same location), but an opcode
 * decoder must step back to the instruction start only for PREV. */
enum py_instr_mode {
    PY_INSTR_PREV = 0,    /* prev_instr: last code unit executed (3.11, 3.12) */
    PY_INSTR_CURRENT = 1, /* instr_ptr: the instruction executing (3.13+) */
};

struct py_layout {
    uint32_t hexversion_major_minor; /* 0x030b0000 for 3.11 */

    /* _PyRuntimeState */
    uint32_t rt_interpreters_head;
    uint32_t rt_main_thread;         /* PY_MAIN_BY_RUNTIME_IDENT only */

    /* PyInterpreterState */
    uint32_t is_next;
    uint32_t is_id;
    uint32_t is_threads_head;
    uint32_t is_threads_main;        /* PY_MAIN_BY_INTERP_POINTER only */

    /* PyThreadState */
    uint32_t ts_next;
    uint32_t ts_interp;
    uint32_t ts_frame;               /* current_frame, or cframe when ts_cframe_frame is set */
    uint32_t ts_cframe_frame;        /* _PyCFrame.current_frame, PY_OFF_NONE when direct */
    uint32_t ts_thread_id;
    uint32_t ts_native_thread_id;
    uint32_t ts_datastack_chunk;
    uint32_t ts_datastack_top;

    /* _PyStackChunk */
    uint32_t chunk_previous;
    uint32_t chunk_size;
    uint32_t chunk_top;              /* saved top, in words from chunk_data */
    uint32_t chunk_data;

    /* _PyInterpreterFrame */
    uint32_t fr_executable;
    uint32_t fr_previous;
    uint32_t fr_instr;
    uint32_t fr_owner;
    uint32_t fr_owner_thread;        /* owner value of frames on the data stack */
    uint32_t fr_owner_generator;     /* owner value of generator frames */
    uint32_t fr_owner_skip_mask;     /* bit n set: skip frames whose owner is n */
    uint32_t fr_owner_cstack;        /* owner of C-stack entry frames (a C caller), PY_OFF_NONE if none */
    uint32_t fr_is_entry;            /* 3.11: bool, first frame of a C-to-Python call; else PY_OFF_NONE */
    uint64_t fr_executable_tag_mask; /* low bits to clear from f_executable */

    /* PyCodeObject (a PyVarObject: ob_size counts code units) */
    uint32_t co_size;                /* ob_size */
    uint32_t co_filename;
    uint32_t co_qualname;
    uint32_t co_linetable;
    uint32_t co_firstlineno;
    uint32_t co_firsttraceable;
    uint32_t co_code_adaptive;

    /* Thread status. The GIL (struct _gil_runtime_state) is embedded in
     * the runtime up to 3.11 (rt_gil) and reached through a pointer in
     * the interpreter from 3.12 on (is_gil_ptr); gil_* are offsets inside
     * the struct. Exceptions: ts_curexc is curexc_type (3.11) or
     * current_exception (3.12+), non-NULL while one propagates; ts_exc_info
     * points at the top _PyErr_StackItem, which is ts_exc_state (embedded in
     * the thread state) unless a generator pushed its own. */
    uint32_t rt_gil;
    uint32_t is_gil_ptr;
    uint32_t gil_last_holder;
    uint32_t gil_locked;
    uint32_t is_gc_collecting;       /* int: a collection is running */
    uint32_t is_gc_frame;            /* 3.15+: the frame that started the running
                                        collection (a pointer); PY_OFF_NONE before */
    uint32_t ts_holds_gil;           /* 3.15+: int, this thread holds the GIL */
    uint32_t ts_gil_requested;       /* 3.15+: int, this thread waits for the GIL */
    uint32_t is_code_generation;     /* 3.14+: uint64, bumped whenever a code object
                                        is freed; PY_OFF_NONE before */
    uint32_t ts_curexc;
    uint32_t ts_exc_info;
    uint32_t ts_exc_state;
    uint32_t err_exc_value;          /* _PyErr_StackItem */
    uint32_t err_previous;

    /* Generic objects */
    uint32_t ob_type;
    uint32_t tp_name;
    uint32_t bytes_size;
    uint32_t bytes_sval;

    /* PEP 393 strings */
    uint32_t uni_length;
    uint32_t uni_state;
    uint32_t uni_ascii_size;         /* data of compact ASCII strings starts here */
    uint32_t uni_compact_size;       /* data of other compact strings starts here */
    uint32_t uni_kind_shift;
    uint32_t uni_kind_mask;          /* after shifting */
    uint32_t uni_compact_bit;
    uint32_t uni_ascii_bit;

    uint8_t main_mode;               /* enum py_main_mode */
    uint8_t instr_mode;              /* enum py_instr_mode */
};

/* The newest major.minor with a layout table. */
#define PY_LAYOUT_NEWEST 0x030f0000u

/* Fill *out for a version without debug offsets (3.11, 3.12). 0, or
 * ERR_VERSION when no table exists for that major.minor. */
int py_layout_builtin(uint32_t hexversion, struct py_layout *out);

/* True when versions of this major.minor carry _Py_DebugOffsets. */
int py_layout_has_debug_offsets(uint32_t hexversion);

/* Bytes of the debug-offsets block to read for this major.minor (0 when
 * none is known). */
size_t py_layout_debug_size(uint32_t hexversion);

/* Fill *out from the target's own debug-offsets block (len bytes copied
 * from the start of _PyRuntime). Checks the cookie, the version field
 * against hexversion, and every offset for sanity. 0, ERR_VERSION or
 * ERR_CORRUPT, with a diag message. A free-threaded build (the block's
 * free_threaded flag) is refused with ERR_VERSION and a message saying so. */
int py_layout_from_debug(uint32_t hexversion, const void *block, size_t len,
                         struct py_layout *out);

/* Limits on the parts of structs the walker copies whole. */
#define PY_LAYOUT_MAX_TSTATE 4096
#define PY_LAYOUT_MAX_FRAME 512
#define PY_LAYOUT_MAX_CODE 1024
#define PY_LAYOUT_MAX_HEADER 256
#define PY_LAYOUT_MAX_INTERP (1u << 16)  /* far interpreter fields (gc, GIL) */
#define PY_LAYOUT_MAX_GIL 64             /* the part of the GIL struct read */

/* Check the relations the readers rely on (every field inside the part of
 * its struct that gets copied, header fields inside headers, bit positions
 * in range). 0 or ERR_CORRUPT with a diag message. */
int py_layout_validate(const struct py_layout *L);

/* The span of a struct covering every listed offset (each the start of an
 * 8-byte or smaller field); PY_OFF_NONE entries are ignored. */
void py_layout_span(const uint32_t *offs, size_t n, uint32_t *lo, uint32_t *hi);

#endif

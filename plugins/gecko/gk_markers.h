/* Interval markers of one thread, derived from its status bits and leaf
 * frames as samples arrive: GIL, CPU, code type, GIL wait, exception, GC
 * and (with --opcodes) one marker per run of the same leaf instruction. */
#ifndef PLUGINS_GECKO_GK_MARKERS_H
#define PLUGINS_GECKO_GK_MARKERS_H

#include <stddef.h>
#include <stdint.h>

#include <tachyon/plugin.h>

#include "gk_strings.h"

/* The profile's categories, in meta.categories order. */
enum gk_category {
    GK_CAT_OTHER, GK_CAT_PYTHON, GK_CAT_NATIVE, GK_CAT_GC, GK_CAT_GIL, GK_CAT_CPU,
    GK_CAT_CODE_TYPE, GK_CAT_OPCODES, GK_CAT_EXCEPTION, GK_CAT_COUNT
};

/* State markers; the order is the one open markers are closed in. */
enum gk_state {
    GK_HAS_GIL, GK_NO_GIL, GK_ON_CPU, GK_OFF_CPU, GK_PYTHON_CODE, GK_NATIVE_CODE,
    GK_GIL_WAIT, GK_GC, GK_HAS_EXC, GK_NO_EXC, GK_STATE_COUNT,
    GK_OPCODE = GK_STATE_COUNT   /* kind of an opcode marker */
};

/* 24 bytes: a run with a status flipping every sample writes about one
 * marker per sample, so this is the plugin's largest table after samples. */
struct gk_marker {
    uint64_t start_us, end_us;
    uint32_t name;               /* string index */
    uint32_t what;               /* enum gk_state, or GK_OPCODE_BIT | the leaf frame id */
};

#define GK_OPCODE_BIT 0x80000000u
#define GK_MARKER_KIND(m) ((m)->what & GK_OPCODE_BIT ? GK_OPCODE : (int)(m)->what)
#define GK_MARKER_FRAME(m) ((m)->what & GK_OPCODE_BIT ? (m)->what & ~GK_OPCODE_BIT : 0u)

struct gk_opstate {
    int32_t opcode, line, column;
    tachyon_str_id funcname, filename;
    tachyon_frame_id frame;
    uint64_t start_us;
};

struct gk_markers {
    struct gk_marker *v;
    size_t n, cap;
    uint64_t start_us[GK_STATE_COUNT];
    uint32_t open;               /* bit per enum gk_state */
    int initialized;
    int have_op;
    struct gk_opstate op;
};

/* Name and category of a state marker ("Has GIL", GK_CAT_GIL). */
const char *gk_state_name(int kind);
int gk_state_category(int kind);

/* Fold one observation (status bits, whether a <GC> frame is on the stack)
 * taken at t_us. The first observation of a thread only opens markers. */
int gk_markers_status(struct gk_markers *m, struct gk_strings *str, uint32_t status, int in_gc,
                      uint64_t t_us);
/* Fold the leaf frame of a recorded stack (opcode tracking). */
int gk_markers_leaf(struct gk_markers *m, struct gk_strings *str, const tachyon_host *host,
                    tachyon_frame_id leaf, uint64_t t_us);
/* Close every open marker at end_us (end of the profile). */
int gk_markers_close(struct gk_markers *m, struct gk_strings *str, const tachyon_host *host,
                     uint64_t end_us);
void gk_markers_free(struct gk_markers *m);

#endif

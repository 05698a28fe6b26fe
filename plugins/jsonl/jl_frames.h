/* The JSONL string and frame tables and the per-frame aggregates.
 *
 * As upstream's collector: a frame is keyed by path, function and all four
 * location fields (so two opcodes at one place are one frame), ids are
 * dense from 0 in order of first use while walking each stack from the
 * leaf, and a new frame interns its function name before its path. */
#ifndef JSONL_JL_FRAMES_H
#define JSONL_JL_FRAMES_H

#include <stdint.h>

#include <tachyon/plugin.h>

#include "idxtab.h"

struct jl_frame {
    uint32_t path, func;          /* JSONL string ids */
    int32_t line, end_line, col, end_col;   /* line 0 and the rest -1: no location */
    uint64_t self, cumulative;
    uint64_t stamp;               /* last sample counted in cumulative */
};

struct jl_frames {
    const tachyon_host *host;
    uint32_t *str_map;            /* host string id -> JSONL id + 1 */
    size_t str_map_cap;
    tachyon_str_id *strings;      /* JSONL id -> host string id */
    size_t n_strings, strings_cap;
    uint32_t *frame_map;          /* host frame id -> JSONL id + 1 */
    size_t frame_map_cap;
    struct jl_frame *frames;
    size_t n_frames, frames_cap;
    struct pl_idxtab index;
    uint32_t *scratch;
    size_t scratch_cap;
    uint64_t samples_total;
    uint64_t stamp;
};

void jl_frames_init(struct jl_frames *f, const tachyon_host *host);
int jl_frames_add_sample(struct jl_frames *f, const tachyon_sample *s);
void jl_frames_free(struct jl_frames *f);

#endif

#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "jl_frames.h"

void jl_frames_init(struct jl_frames *f, const tachyon_host *host)
{
    memset(f, 0, sizeof *f);
    f->host = host;
}

void jl_frames_free(struct jl_frames *f)
{
    free(f->str_map);
    free(f->strings);
    free(f->frame_map);
    free(f->frames);
    free(f->scratch);
    pl_idxtab_free(&f->index);
    memset(f, 0, sizeof *f);
}

static int string_id(struct jl_frames *f, tachyon_str_id sid, uint32_t *out)
{
    int rc = pl_grow((void **)&f->str_map, &f->str_map_cap, (size_t)sid + 1, sizeof *f->str_map);
    if (rc)
        return rc;
    if (!f->str_map[sid]) {
        if ((rc = pl_grow((void **)&f->strings, &f->strings_cap, f->n_strings + 1, sizeof *f->strings)))
            return rc;
        f->strings[f->n_strings] = sid;
        f->str_map[sid] = (uint32_t)++f->n_strings;
    }
    *out = f->str_map[sid] - 1;
    return 0;
}

struct key {
    const struct jl_frames *f;
    tachyon_str_id path, func;    /* host ids: equal text, equal id */
    int32_t line, end_line, col, end_col;
};

static int key_eq(const void *ctx, uint32_t index)
{
    const struct key *k = ctx;
    const struct jl_frame *fr = &k->f->frames[index];
    return k->f->strings[fr->path] == k->path && k->f->strings[fr->func] == k->func && fr->line == k->line &&
           fr->end_line == k->end_line && fr->col == k->col && fr->end_col == k->end_col;
}

static int frame_id(struct jl_frames *f, tachyon_frame_id hid, uint32_t *out)
{
    const tachyon_frame *hf;
    struct key k;
    uint64_t h;
    uint32_t idx;
    int rc = pl_grow((void **)&f->frame_map, &f->frame_map_cap, (size_t)hid + 1, sizeof *f->frame_map);
    if (rc)
        return rc;
    if (f->frame_map[hid]) {
        *out = f->frame_map[hid] - 1;
        return 0;
    }
    hf = f->host->frame(f->host, hid);
    if (!hf)
        return TACHYON_ERR_INVALID;
    k.f = f;
    k.path = hf->filename;
    k.func = hf->funcname;
    /* Synthetic frames and frames without a known line have no location. */
    if (hf->kind != TACHYON_FRAME_PYTHON || hf->line < 0) {
        k.line = 0;
        k.end_line = k.col = k.end_col = -1;
    } else {
        k.line = hf->line;
        k.end_line = hf->end_line;
        k.col = hf->column;
        k.end_col = hf->end_column;
    }
    h = pl_hash_mix(pl_hash_mix(pl_hash_mix(k.path, k.func), (uint32_t)k.line),
                    pl_hash_mix(pl_hash_mix((uint32_t)k.end_line, (uint32_t)k.col), (uint32_t)k.end_col));
    if (!pl_idxtab_find(&f->index, h, key_eq, &k, &idx)) {
        struct jl_frame *fr;
        uint32_t func, path;
        if ((rc = string_id(f, k.func, &func)) || (rc = string_id(f, k.path, &path)))
            return rc;
        if ((rc = pl_grow((void **)&f->frames, &f->frames_cap, f->n_frames + 1, sizeof *f->frames)))
            return rc;
        idx = (uint32_t)f->n_frames;
        if ((rc = pl_idxtab_insert(&f->index, h, idx)))
            return rc;
        fr = &f->frames[f->n_frames++];
        memset(fr, 0, sizeof *fr);
        fr->path = path;
        fr->func = func;
        fr->line = k.line;
        fr->end_line = k.end_line;
        fr->col = k.col;
        fr->end_col = k.end_col;
    }
    f->frame_map[hid] = idx + 1;
    *out = idx;
    return 0;
}

int jl_frames_add_sample(struct jl_frames *f, const tachyon_sample *s)
{
    uint64_t w = s->weight ? s->weight : 1;
    uint32_t i;
    int rc;

    if (s->depth == 0)
        return 0;
    if ((rc = pl_grow((void **)&f->scratch, &f->scratch_cap, s->depth, sizeof *f->scratch)))
        return rc;
    for (i = 0; i < s->depth; i++)
        if ((rc = frame_id(f, s->frames[i], &f->scratch[i])))
            return rc;
    f->stamp++;
    f->samples_total += w;
    f->frames[f->scratch[0]].self += w;
    /* A recursive frame counts once per stack in cumulative. */
    for (i = 0; i < s->depth; i++) {
        struct jl_frame *fr = &f->frames[f->scratch[i]];
        if (fr->stamp != f->stamp) {
            fr->stamp = f->stamp;
            fr->cumulative += w;
        }
    }
    return 0;
}

/* Header, footer, string and frame tables and statistics trailer of a
 * binary profile. See binprofile.h for the layout. */
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "binprofile.h"
#include "binvarint.h"

static const uint8_t magic_le[4] = { 'H', 'C', 'A', 'T' };
static const uint8_t magic_be[4] = { 'T', 'A', 'C', 'H' };

#define STATS_SIZE 56u

static uint32_t rd32(const struct bin_profile *p, size_t off)
{
    return bin_rd32(p->data + off, p->big_endian);
}

static uint64_t rd64(const struct bin_profile *p, size_t off)
{
    return bin_rd64(p->data + off, p->big_endian);
}

static double rdf64(const struct bin_profile *p, size_t off)
{
    uint64_t u = rd64(p, off);
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

static int parse_header(struct bin_profile *p)
{
    uint32_t version, mode_bits;

    if (p->size < BIN_HEADER_SIZE)
        return diag_set(ERR_CORRUPT, "Input file is not a binary sampling profile (%zu bytes, too small for the "
                                     "64-byte header)", p->size);
    if (memcmp(p->data, magic_le, 4) == 0)
        p->big_endian = 0;
    else if (memcmp(p->data, magic_be, 4) == 0)
        p->big_endian = 1;
    else
        return diag_set(ERR_CORRUPT, "Input file is not a binary sampling profile. The replay command only "
                                     "accepts files created with --binary");
    version = rd32(p, 4);
    if (version > 0xffff)
        return diag_set(ERR_CORRUPT, "corrupt binary profile: format version %u is implausible (a damaged "
                                     "header, or one in the wrong byte order)", version);
    if (version != BIN_FORMAT_VERSION)
        return diag_set(ERR_VERSION, "binary profile format version %u is not supported (this tachyon reads "
                                     "version %d%s)", version, BIN_FORMAT_VERSION,
                        version > BIN_FORMAT_VERSION ? "; the file was written by a newer profiler"
                                                     : "");
    p->py_major = p->data[8];
    p->py_minor = p->data[9];
    p->py_micro = p->data[10];
    /* tachyon's writer sets the reserved byte until its final write. */
    p->unfinished = p->data[11] == 1;
    p->start_time_us = rd64(p, 12);
    p->interval_us = rd64(p, 20);
    p->sample_count = rd32(p, 28);
    if (rd32(p, 32) != 0)
        return diag_set(ERR_CORRUPT, "corrupt binary profile: sample count exceeds 32 bits");
    p->thread_count = rd32(p, 36);
    p->string_off = rd64(p, 40);
    p->frame_off = rd64(p, 48);
    p->compression = rd32(p, 56);
    p->config = rd32(p, 60);
    if (p->string_off == 0 && p->frame_off == 0)
        return diag_set(ERR_CORRUPT, "incomplete binary profile: the recording never finished its first "
                                     "checkpoint (the profiler was killed or crashed while writing)");
    mode_bits = p->config & BIN_CFG_MODE_MASK;
    if (mode_bits > 5)
        return diag_set(ERR_CORRUPT, "corrupt binary profile: invalid profiling mode %u in the header", mode_bits);
    p->mode = (int)mode_bits - 1;
    p->features_known = (p->config & BIN_CFG_FEATURES_KNOWN) != 0;
    p->features = (p->config >> BIN_CFG_FEATURE_SHIFT) & 0x1f;
    if (p->compression != BIN_COMPRESSION_NONE && p->compression != BIN_COMPRESSION_ZSTD)
        return diag_set(ERR_UNSUPPORTED, "binary profile uses unknown compression %u (known: 0 none, 1 zstd)",
                        p->compression);
    return 0;
}

/* The optional statistics trailer ends with "TACHSTAT", version 1 and its
 * own size right before the footer. Returns the offset where the frame
 * table must end. */
static int parse_stats(struct bin_profile *p, size_t footer, size_t *tables_end)
{
    size_t tail = footer - 16;
    uint64_t flags;

    *tables_end = footer;
    if (footer < p->frame_off + 16 || memcmp(p->data + tail, "TACHSTAT", 8) != 0)
        return 0;
    if (rd32(p, tail + 8) != 1 || rd32(p, tail + 12) != STATS_SIZE || footer - p->frame_off < STATS_SIZE)
        return diag_set(ERR_CORRUPT, "corrupt binary profile: invalid profiling statistics trailer");
    *tables_end = footer - STATS_SIZE;
    p->duration_s = rdf64(p, *tables_end);
    p->sample_rate = rdf64(p, *tables_end + 8);
    p->error_rate = rdf64(p, *tables_end + 16);
    p->missed_pct = rdf64(p, *tables_end + 24);
    flags = rd64(p, *tables_end + 32);
    /* NaN fails every comparison, so this also refuses it. */
    if (!(p->duration_s >= 0 && p->duration_s < 1e12) || !(p->sample_rate >= 0 && p->sample_rate < 1e12) ||
        !(p->error_rate >= 0 && p->error_rate <= 100) || !(p->missed_pct >= 0 && p->missed_pct <= 100))
        return diag_set(ERR_CORRUPT, "corrupt binary profile: invalid profiling statistics values");
    p->has_stats = 1;
    p->has_error_rate = (flags & 1) != 0;
    p->has_missed = (flags & 2) != 0;
    return 0;
}

static int parse_strings(struct bin_profile *p)
{
    size_t off = (size_t)p->string_off, end = (size_t)p->frame_off;
    uint32_t i;

    /* Every string costs at least its one-byte length. */
    if (p->string_count > end - off)
        return diag_set(ERR_CORRUPT, "corrupt binary profile: %u strings cannot fit in a %zu-byte string table",
                        p->string_count, end - off);
    p->strings = calloc(p->string_count ? p->string_count : 1, sizeof *p->strings);
    if (!p->strings)
        return diag_set(ERR_NOMEM, "out of memory reading the string table");
    for (i = 0; i < p->string_count; i++) {
        uint64_t len;
        if (bin_varint(p->data, end, &off, &len) || len > end - off)
            return diag_set(ERR_CORRUPT, "corrupt binary profile: string %u runs past the string table", i);
        p->strings[i].off = (uint32_t)off;
        p->strings[i].len = (uint32_t)len;
        off += (size_t)len;
    }
    if (off != end)
        return diag_set(ERR_CORRUPT, "corrupt binary profile: the string table ends at %zu, not at the frame "
                                     "table (%zu)", off, end);
    return 0;
}

static int zigzag32(uint64_t u, int32_t *out)
{
    int64_t v = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
    if (v < INT32_MIN || v > INT32_MAX)
        return ERR_CORRUPT;
    *out = (int32_t)v;
    return 0;
}

static int parse_frames(struct bin_profile *p, size_t end)
{
    size_t off = (size_t)p->frame_off;
    uint32_t i;

    /* Six varints and an opcode byte: at least 7 bytes a frame. */
    if (p->frame_count > (end - off) / 7)
        return diag_set(ERR_CORRUPT, "corrupt binary profile: %u frames cannot fit in a %zu-byte frame table",
                        p->frame_count, end - off);
    p->frames = calloc(p->frame_count ? p->frame_count : 1, sizeof *p->frames);
    if (!p->frames)
        return diag_set(ERR_NOMEM, "out of memory reading the frame table");
    for (i = 0; i < p->frame_count; i++) {
        struct bin_frame *f = &p->frames[i];
        uint64_t fn, fu, u[4];
        int32_t v[4];
        int k;
        if (bin_varint(p->data, end, &off, &fn) || bin_varint(p->data, end, &off, &fu))
            goto truncated;
        for (k = 0; k < 4; k++)
            if (bin_varint(p->data, end, &off, &u[k]) || zigzag32(u[k], &v[k]))
                goto truncated;
        if (off >= end)
            goto truncated;
        if (fn >= p->string_count || fu >= p->string_count)
            return diag_set(ERR_CORRUPT, "corrupt binary profile: frame %u names string %llu of %u", i,
                            (unsigned long long)(fn >= p->string_count ? fn : fu), p->string_count);
        f->filename = (uint32_t)fn;
        f->funcname = (uint32_t)fu;
        f->line = v[0];
        f->end_line = (v[0] != -1 || v[1] != 0) ? (int32_t)((int64_t)v[0] + v[1]) : -1;
        f->col = v[2];
        f->end_col = v[2] != -1 ? (int32_t)((int64_t)v[2] + v[3]) : -1;
        f->opcode = p->data[off] == BIN_NO_OPCODE ? -1 : p->data[off];
        off++;
    }
    if (off != end)
        return diag_set(ERR_CORRUPT, "corrupt binary profile: %zu unexpected bytes after the frame table",
                        end - off);
    return 0;
truncated:
    return diag_set(ERR_CORRUPT, "corrupt binary profile: frame %u runs past the frame table", i);
}

int bin_profile_open(const uint8_t *data, size_t size, struct bin_profile *p)
{
    size_t footer, tables_end;
    uint64_t file_size;
    int rc;

    memset(p, 0, sizeof *p);
    p->data = data;
    p->size = size;
    rc = parse_header(p);
    if (rc)
        goto out;
    if (size < BIN_HEADER_SIZE + BIN_FOOTER_SIZE) {
        rc = diag_set(ERR_CORRUPT, "truncated binary profile: %zu bytes hold no footer", size);
        goto out;
    }
    footer = size - BIN_FOOTER_SIZE;
    if (p->string_off < BIN_HEADER_SIZE || p->string_off > p->frame_off || p->frame_off > footer) {
        rc = diag_set(ERR_CORRUPT, "truncated or corrupt binary profile: table offsets %llu/%llu do not fit "
                                   "a %zu-byte file", (unsigned long long)p->string_off,
                      (unsigned long long)p->frame_off, size);
        goto out;
    }
    p->string_count = rd32(p, footer);
    p->frame_count = rd32(p, footer + 4);
    file_size = rd64(p, footer + 8);
    if (file_size != size) {
        rc = diag_set(ERR_CORRUPT, "truncated or corrupt binary profile: the footer says %llu bytes, the file "
                                   "has %zu", (unsigned long long)file_size, size);
        goto out;
    }
    rc = parse_stats(p, footer, &tables_end);
    if (!rc)
        rc = parse_strings(p);
    if (!rc)
        rc = parse_frames(p, tables_end);
out:
    if (rc)
        bin_profile_close(p);
    return rc;
}

void bin_profile_close(struct bin_profile *p)
{
    free(p->strings);
    free(p->frames);
    p->strings = NULL;
    p->frames = NULL;
}

const char *bin_profile_string(const struct bin_profile *p, uint32_t idx, size_t *len)
{
    if (idx >= p->string_count)
        return NULL;
    if (len)
        *len = p->strings[idx].len;
    return (const char *)p->data + p->strings[idx].off;
}

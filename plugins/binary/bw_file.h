/* The file side of the binary writer: checkpoints that leave a complete,
 * replayable profile on disk every so often, and the final write.
 *
 * The format puts the tables after the samples and the offsets in the
 * header, so the file is written in place (the plugin needs to seek, which
 * the host's append-only output service cannot do). A checkpoint first
 * zeroes the table offsets in the header (a reader then reports a profile
 * killed mid-checkpoint), appends the new samples over the old tables,
 * writes the tables, statistics and footer, and finally rewrites the
 * header. Until the last checkpoint the header's reserved byte says "not
 * finalized", which tachyon's reader reports while still replaying what
 * the file holds; upstream's reader ignores that byte. A killed recording
 * therefore loses at most what came after its last checkpoint. */
#ifndef BINARY_BW_FILE_H
#define BINARY_BW_FILE_H

#include <stdint.h>

#include <tachyon/plugin.h>

#include "buf.h"

struct bw_header {
    uint32_t hexversion;
    uint64_t start_us, interval_us;
    uint64_t samples;
    uint32_t threads;
    uint32_t config;
    uint32_t n_strings, n_frames;
};

struct bw_stats {
    double duration_s, sample_rate, error_rate, missed_pct;
};

struct bw_file;

int bw_file_open(const char *path, int zstd, struct bw_file **out);
/* Append raw (encoded records), then rewrite tables, stats, footer and
 * header. final clears the "not finalized" mark. */
int bw_file_checkpoint(struct bw_file *f, const struct pl_buf *raw, const struct pl_buf *strings,
                       const struct pl_buf *frames, const struct bw_header *h, const struct bw_stats *st,
                       int final);
uint64_t bw_file_size(const struct bw_file *f);
void bw_file_close(struct bw_file *f);

#endif

/* Reader of binary sample profiles (`--binary`), the file format upstream
 * CPython 3.15's profiling.sampling writes and tachyon's binary plugin
 * writes too.
 *
 * Layout (all integers in the byte order the magic reveals):
 *   64-byte header | sample stream (raw or one or more zstd frames) |
 *   string table | frame table | optional 56-byte statistics trailer |
 *   32-byte footer (string count, frame count, file size, 16 zero bytes).
 *
 * Everything in the file is untrusted: every offset, count, index, depth
 * and length is checked against what the file can actually hold, and the
 * first problem becomes one diag message (ERR_CORRUPT, ERR_VERSION or
 * ERR_UNSUPPORTED). Nothing here reads outside the buffer it was given. */
#ifndef CORE_REPLAY_BINPROFILE_H
#define CORE_REPLAY_BINPROFILE_H

#include <stddef.h>
#include <stdint.h>

#define BIN_HEADER_SIZE 64
#define BIN_FOOTER_SIZE 32
#define BIN_FORMAT_VERSION 1
#define BIN_COMPRESSION_NONE 0
#define BIN_COMPRESSION_ZSTD 1
#define BIN_NO_OPCODE 255

/* The profiling-config word of the header: bits 0-2 mode+1 (0 unknown),
 * bit 3 "features known", bits 4-8 the features. */
#define BIN_CFG_MODE_MASK 0x7u
#define BIN_CFG_FEATURES_KNOWN (1u << 3)
#define BIN_CFG_FEATURE_SHIFT 4
#define BIN_FEAT_ALL_THREADS 1u
#define BIN_FEAT_NATIVE 2u
#define BIN_FEAT_GC 4u
#define BIN_FEAT_OPCODES 8u
#define BIN_FEAT_BLOCKING 16u

struct bin_string {
    uint32_t off;   /* into the file */
    uint32_t len;
};

struct bin_frame {
    uint32_t filename;   /* string index */
    uint32_t funcname;
    int32_t line, end_line, col, end_col;   /* -1 when unknown */
    int opcode;          /* -1 when none */
};

struct bin_profile {
    const uint8_t *data;     /* the whole file, borrowed */
    size_t size;
    int big_endian;
    uint8_t py_major, py_minor, py_micro;
    uint64_t start_time_us;
    uint64_t interval_us;
    uint32_t sample_count;   /* thread-samples */
    uint32_t thread_count;   /* distinct (thread id, interpreter id) */
    uint64_t string_off, frame_off;
    uint32_t compression;
    uint32_t config;
    int mode;                /* 0 wall .. 4 exception (tachyon_mode order), -1 unknown */
    uint32_t features;       /* BIN_FEAT_*, meaningful when features_known */
    int features_known;
    int unfinished;          /* written by a recording that never finalized (killed) */

    uint32_t string_count, frame_count;
    struct bin_string *strings;
    struct bin_frame *frames;

    int has_stats;
    double duration_s, sample_rate, error_rate, missed_pct;
    int has_error_rate, has_missed;
};

/* Parse and validate everything but the sample stream. The buffer must
 * stay alive while p is used. */
int bin_profile_open(const uint8_t *data, size_t size, struct bin_profile *p);
void bin_profile_close(struct bin_profile *p);

/* The bytes of string idx (not NUL-terminated). */
const char *bin_profile_string(const struct bin_profile *p, uint32_t idx, size_t *len);

struct bin_sample {
    uint64_t thread_id;
    uint32_t interpreter_id;
    uint32_t status;
    uint64_t timestamp_us;       /* absolute, same clock as start_time_us */
    uint32_t depth;
    const uint32_t *frames;      /* frame table indices, innermost first */
};

/* Called for every decoded thread-sample, in file order; a non-zero return
 * stops the replay and is passed back. */
typedef int (*bin_sample_fn)(void *ctx, const struct bin_sample *s);

/* Decode the sample stream. Decompressed data larger than max_stream bytes
 * is refused (0: no limit beyond what memory allows). On success the number
 * of samples decoded matched the header's count. */
int bin_profile_replay(const struct bin_profile *p, size_t max_stream, bin_sample_fn fn, void *ctx);

/* The deepest stack the reader accepts. */
#define BIN_MAX_DEPTH 65536u

#endif

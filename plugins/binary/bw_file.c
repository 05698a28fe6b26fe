#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zstd.h>

#include "bw_file.h"

#define HEADER_SIZE 64
#define MAGIC 0x54414348u
#define FORMAT_VERSION 1
#define STATS_SIZE 56
#define ZSTD_LEVEL 3

struct bw_file {
    int fd;
    int zstd;
    ZSTD_CCtx *cctx;
    uint64_t data_end;       /* end of the sample stream written so far */
    uint64_t file_end;
    uint64_t compressed_total;
    struct pl_buf out;       /* scratch for compressed data and the tail */
};

static void le(uint8_t *p, uint64_t v, unsigned bytes)
{
    unsigned i;
    for (i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static int put_le(struct pl_buf *b, uint64_t v, unsigned bytes)
{
    uint8_t tmp[8];
    le(tmp, v, bytes);
    return pl_buf_put(b, tmp, bytes);
}

static int write_at(int fd, const void *data, size_t len, uint64_t off)
{
    const uint8_t *p = data;
    while (len) {
        ssize_t n = pwrite(fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return TACHYON_ERR_IO;
        p += n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return 0;
}

static void header_bytes(uint8_t *h, const struct bw_header *hd, uint64_t str_off, uint64_t frame_off,
                         int zstd, int final)
{
    memset(h, 0, HEADER_SIZE);
    le(h, MAGIC, 4);
    le(h + 4, FORMAT_VERSION, 4);
    h[8] = (uint8_t)(hd->hexversion >> 24);
    h[9] = (uint8_t)(hd->hexversion >> 16);
    h[10] = (uint8_t)(hd->hexversion >> 8);
    h[11] = final ? 0 : 1;
    le(h + 12, hd->start_us, 8);
    le(h + 20, hd->interval_us, 8);
    le(h + 28, hd->samples, 4);
    le(h + 36, hd->threads, 4);
    le(h + 40, str_off, 8);
    le(h + 48, frame_off, 8);
    le(h + 56, zstd ? 1 : 0, 4);
    le(h + 60, hd->config, 4);
}

int bw_file_open(const char *path, int zstd, struct bw_file **out)
{
    struct bw_file *f = calloc(1, sizeof *f);
    uint8_t h[HEADER_SIZE];
    struct bw_header none;
    int rc = 0;

    if (!f)
        return TACHYON_ERR_NOMEM;
    f->fd = -1;
    f->zstd = zstd;
    f->data_end = f->file_end = HEADER_SIZE;
    if (zstd && !(f->cctx = ZSTD_createCCtx())) {
        rc = TACHYON_ERR_NOMEM;
        goto out;
    }
    /* A content checksum per frame lets a reader tell damage from data. */
    if (zstd && (ZSTD_isError(ZSTD_CCtx_setParameter(f->cctx, ZSTD_c_compressionLevel, ZSTD_LEVEL)) ||
                 ZSTD_isError(ZSTD_CCtx_setParameter(f->cctx, ZSTD_c_checksumFlag, 1)))) {
        rc = TACHYON_ERR_GENERIC;
        goto out;
    }
    f->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (f->fd < 0) {
        rc = TACHYON_ERR_IO;
        goto out;
    }
    /* Zero table offsets: "no checkpoint yet" to any reader. */
    memset(&none, 0, sizeof none);
    header_bytes(h, &none, 0, 0, zstd, 0);
    rc = write_at(f->fd, h, sizeof h, 0);
out:
    if (rc)
        bw_file_close(f);
    else
        *out = f;
    return rc;
}

/* Compress raw as one complete zstd frame: every checkpoint leaves a
 * stream a reader can decode to its end. */
static int compress_into(struct bw_file *f, const void *raw, size_t len)
{
    size_t bound = ZSTD_compressBound(len), ret;
    if (f->out.cap < bound) {
        char *grown = realloc(f->out.data, bound);
        if (!grown)
            return TACHYON_ERR_NOMEM;
        f->out.data = grown;
        f->out.cap = bound;
    }
    ret = ZSTD_compress2(f->cctx, f->out.data, bound, raw, len);
    if (ZSTD_isError(ret))
        return TACHYON_ERR_GENERIC;
    f->out.len = ret;
    return 0;
}

int bw_file_checkpoint(struct bw_file *f, const struct pl_buf *raw, const struct pl_buf *strings,
                       const struct pl_buf *frames, const struct bw_header *h, const struct bw_stats *st,
                       int final)
{
    static const uint8_t zero_offsets[16];
    uint8_t hb[HEADER_SIZE];
    uint64_t str_off, frame_off;
    int rc;

    rc = write_at(f->fd, zero_offsets, sizeof zero_offsets, 40);
    if (rc)
        return rc;
    /* An empty zstd capture still holds one (empty) frame, as upstream's. */
    if (raw->len || (f->zstd && final && f->data_end == HEADER_SIZE)) {
        const void *data = raw->data;
        size_t len = raw->len;
        if (f->zstd) {
            if ((rc = compress_into(f, raw->data ? raw->data : "", raw->len)))
                return rc;
            data = f->out.data;
            len = f->out.len;
        }
        if ((rc = write_at(f->fd, data, len, f->data_end)))
            return rc;
        f->data_end += len;
    }
    str_off = f->data_end;
    frame_off = str_off + strings->len;
    f->out.len = 0;
    if ((rc = pl_buf_put(&f->out, strings->data, strings->len)) ||
        (rc = pl_buf_put(&f->out, frames->data, frames->len)))
        return rc;
    if (st) {
        uint64_t u[4];
        double d[4] = { st->duration_s, st->sample_rate, st->error_rate, st->missed_pct };
        int i;
        memcpy(u, d, sizeof u);
        for (i = 0; i < 4 && !rc; i++)
            rc = put_le(&f->out, u[i], 8);
        if (!rc)
            rc = put_le(&f->out, 3, 8);   /* error rate and missed share present */
        if (!rc)
            rc = pl_buf_put(&f->out, "TACHSTAT", 8);
        if (!rc)
            rc = put_le(&f->out, 1, 4);
        if (!rc)
            rc = put_le(&f->out, STATS_SIZE, 4);
        if (rc)
            return rc;
    }
    f->file_end = str_off + f->out.len + 32;
    if ((rc = put_le(&f->out, h->n_strings, 4)) || (rc = put_le(&f->out, h->n_frames, 4)) ||
        (rc = put_le(&f->out, f->file_end, 8)) || (rc = put_le(&f->out, 0, 8)) || (rc = put_le(&f->out, 0, 8)))
        return rc;
    if ((rc = write_at(f->fd, f->out.data, f->out.len, str_off)))
        return rc;
    if (ftruncate(f->fd, (off_t)f->file_end) != 0)
        return TACHYON_ERR_IO;
    header_bytes(hb, h, str_off, frame_off, f->zstd, final);
    return write_at(f->fd, hb, sizeof hb, 0);
}

uint64_t bw_file_size(const struct bw_file *f)
{
    return f->file_end;
}

void bw_file_close(struct bw_file *f)
{
    if (!f)
        return;
    if (f->fd >= 0)
        close(f->fd);
    ZSTD_freeCCtx(f->cctx);
    pl_buf_free(&f->out);
    free(f);
}

/* PEP 393 strings and bytes objects, read from the target and converted to
 * UTF-8. Everything is bounds-checked: the length, kind and flags all come
 * from untrusted memory. */
#include "pystring.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"

void py_buf_free(struct py_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

int py_buf_reserve(struct py_buf *b, size_t cap)
{
    char *p;
    size_t n;
    if (cap <= b->cap)
        return 0;
    n = b->cap ? b->cap : 64;
    while (n < cap)
        n *= 2;
    p = realloc(b->data, n);
    if (!p)
        return ERR_NOMEM;
    b->data = p;
    b->cap = n;
    return 0;
}

static size_t put_utf8(char *o, uint32_t c)
{
    if (c < 0x80) {
        o[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (char)(0xc0 | (c >> 6));
        o[1] = (char)(0x80 | (c & 0x3f));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (char)(0xe0 | (c >> 12));
        o[1] = (char)(0x80 | ((c >> 6) & 0x3f));
        o[2] = (char)(0x80 | (c & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | (c >> 18));
    o[1] = (char)(0x80 | ((c >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((c >> 6) & 0x3f));
    o[3] = (char)(0x80 | (c & 0x3f));
    return 4;
}

int py_ucs_to_utf8(const void *data, size_t nchars, unsigned kind, int ascii,
                   struct py_buf *out)
{
    const uint8_t *p = data;
    size_t i, o = 0;
    int rc;

    if (kind != 1 && kind != 2 && kind != 4)
        return diag_set(ERR_CORRUPT, "string of unknown kind %u", kind);
    if (ascii && kind != 1)
        return diag_set(ERR_CORRUPT, "ASCII string of kind %u", kind);
    if (nchars > PY_STR_MAX_CHARS)
        return diag_set(ERR_CORRUPT, "string of %zu characters", nchars);
    /* Four output bytes per unit at most, plus a terminating NUL. */
    rc = py_buf_reserve(out, nchars * 4 + 1);
    if (rc < 0)
        return rc;
    for (i = 0; i < nchars; i++) {
        uint32_t c;
        if (kind == 1) {
            c = p[i];
        } else if (kind == 2) {
            uint16_t u;
            memcpy(&u, p + 2 * i, 2);
            c = u;
        } else {
            memcpy(&c, p + 4 * i, 4);
        }
        if (ascii && c >= 0x80)
            return diag_set(ERR_CORRUPT, "non-ASCII byte in an ASCII string");
        if (c > 0x10ffff)
            return diag_set(ERR_CORRUPT, "code point 0x%x out of range", c);
        if (c >= 0xd800 && c <= 0xdfff)
            c = 0xfffd;
        o += put_utf8(out->data + o, c);
    }
    out->data[o] = '\0';
    out->len = o;
    return 0;
}

int py_str_header(const struct py_layout *L, const uint8_t *hdr, uint64_t addr,
                  unsigned *kind, int *ascii, size_t *nchars, uint64_t *data_addr)
{
    uint32_t state;
    int64_t len;

    memcpy(&state, hdr + L->uni_state, sizeof state);
    memcpy(&len, hdr + L->uni_length, sizeof len);
    *kind = (state >> L->uni_kind_shift) & L->uni_kind_mask;
    *ascii = (int)((state >> L->uni_ascii_bit) & 1);
    if (!((state >> L->uni_compact_bit) & 1))
        return diag_set(ERR_CORRUPT, "non-compact string at 0x%llx", (unsigned long long)addr);
    if (len < 0 || (uint64_t)len > PY_STR_SANE_CHARS)
        return diag_set(ERR_CORRUPT, "string length %lld at 0x%llx", (long long)len,
                        (unsigned long long)addr);
    if (*kind != 1 && *kind != 2 && *kind != 4)
        return diag_set(ERR_CORRUPT, "string kind %u at 0x%llx", *kind, (unsigned long long)addr);
    if (*ascii && *kind != 1)
        return diag_set(ERR_CORRUPT, "ASCII string of kind %u", *kind);
    *nchars = (size_t)len;
    *data_addr = addr + (*ascii ? L->uni_ascii_size : L->uni_compact_size);
    return 0;
}

int py_read_str(struct mem_reader *r, const struct py_layout *L, uint64_t addr,
                struct py_buf *out, uint64_t *type_out)
{
    uint8_t hdr[256];
    uint8_t stackbuf[512];
    void *data = stackbuf;
    unsigned kind;
    int ascii, rc;
    size_t nchars, nbytes, total = 0;
    uint64_t daddr;

    if (addr == 0 || (addr & 7) != 0)
        return diag_set(ERR_CORRUPT, "bad string pointer 0x%llx", (unsigned long long)addr);
    if (L->uni_ascii_size > sizeof hdr)
        return diag_set(ERR_CORRUPT, "string header too large");
    /* py_layout_validate() guaranteed every header field lies inside hdr. */
    rc = mem_read(r, addr, hdr, L->uni_ascii_size);
    if (rc < 0)
        return rc;
    if (type_out)
        memcpy(type_out, hdr + L->ob_type, sizeof *type_out);
    rc = py_str_header(L, hdr, addr, &kind, &ascii, &nchars, &daddr);
    if (rc < 0)
        return rc;
    if (nchars > PY_STR_MAX_CHARS) {
        total = nchars;
        nchars = PY_STR_MAX_CHARS;
    }
    nbytes = nchars * kind;
    if (nbytes > sizeof stackbuf) {
        data = malloc(nbytes);
        if (!data)
            return ERR_NOMEM;
    }
    rc = nbytes ? mem_read(r, daddr, data, nbytes) : 0;
    if (rc == 0)
        rc = py_ucs_to_utf8(data, nchars, kind, ascii, out);
    if (data != stackbuf)
        free(data);
    /* A name too long to keep is cut, and says so, rather than lost. */
    if (rc == 0 && total) {
        char marker[64];
        int n = snprintf(marker, sizeof marker, "...[truncated, %zu characters]", total);
        rc = py_buf_reserve(out, out->len + (size_t)n + 1);
        if (rc == 0) {
            memcpy(out->data + out->len, marker, (size_t)n + 1);
            out->len += (size_t)n;
        }
    }
    return rc;
}

int py_read_bytes(struct mem_reader *r, const struct py_layout *L, uint64_t addr,
                  struct py_buf *out, uint64_t *type_out)
{
    uint8_t hdr[256];
    int64_t size;
    int rc;

    if (addr == 0 || (addr & 7) != 0)
        return diag_set(ERR_CORRUPT, "bad bytes pointer 0x%llx", (unsigned long long)addr);
    if (L->bytes_sval > sizeof hdr)
        return diag_set(ERR_CORRUPT, "bytes header too large");
    rc = mem_read(r, addr, hdr, L->bytes_sval);
    if (rc < 0)
        return rc;
    if (type_out)
        memcpy(type_out, hdr + L->ob_type, sizeof *type_out);
    memcpy(&size, hdr + L->bytes_size, sizeof size);
    if (size < 0 || (uint64_t)size > PY_BYTES_SANE)
        return diag_set(ERR_CORRUPT, "bytes length %lld at 0x%llx", (long long)size,
                        (unsigned long long)addr);
    if ((uint64_t)size > PY_BYTES_MAX) {
        out->len = 0;
        return 1;
    }
    rc = py_buf_reserve(out, (size_t)size + 1);
    if (rc < 0)
        return rc;
    rc = size ? mem_read(r, addr + L->bytes_sval, out->data, (size_t)size) : 0;
    if (rc < 0)
        return rc;
    out->len = (size_t)size;
    out->data[size] = '\0';
    return 0;
}

/* A growable byte buffer: the report text and the marshal image are built
 * in memory first so that a failure leaves no partial output behind. */
#ifndef PSTATS_BUF_H
#define PSTATS_BUF_H

#include <stddef.h>
#include <stdint.h>

struct pst_buf {
    char *data;
    size_t len;
    size_t cap;
};

/* All return 0 or TACHYON_ERR_NOMEM; the buffer stays valid on failure. */
int pst_buf_put(struct pst_buf *b, const void *data, size_t len);
int pst_buf_byte(struct pst_buf *b, uint8_t byte);
int pst_buf_printf(struct pst_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Right-align text in a field of width code points (Python's format
 * pads by characters, not bytes, which matters for "μs"). */
int pst_buf_pad_left(struct pst_buf *b, const char *text, size_t len, size_t width);
void pst_buf_free(struct pst_buf *b);

/* The last occurrence of c in s[0..len), or NULL (memrchr is not ISO C). */
const char *pst_last_char(const char *s, size_t len, char c);

#endif

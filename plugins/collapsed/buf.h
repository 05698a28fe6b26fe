/* A growable byte buffer for label text and the output image, built in
 * memory first so that a failure leaves no partial output behind. */
#ifndef COLLAPSED_BUF_H
#define COLLAPSED_BUF_H

#include <stddef.h>
#include <stdint.h>

struct col_buf {
    char *data;
    size_t len;
    size_t cap;
};

/* All return 0 or TACHYON_ERR_NOMEM; the buffer stays valid on failure. */
int col_buf_put(struct col_buf *b, const void *data, size_t len);
int col_buf_byte(struct col_buf *b, uint8_t byte);
int col_buf_printf(struct col_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void col_buf_free(struct col_buf *b);

/* The last occurrence of c in s[0..len), or NULL (memrchr is not ISO C). */
const char *col_last_char(const char *s, size_t len, char c);

#endif

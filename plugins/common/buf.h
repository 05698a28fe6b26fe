/* A growable byte buffer shared by the plugins: reports are built in
 * memory first so that a failure leaves no partial output behind. */
#ifndef PLUGINS_COMMON_BUF_H
#define PLUGINS_COMMON_BUF_H

#include <stddef.h>
#include <stdint.h>

struct pl_buf {
    char *data;
    size_t len;
    size_t cap;
};

/* All return 0 or TACHYON_ERR_NOMEM; the buffer stays valid on failure. */
int pl_buf_put(struct pl_buf *b, const void *data, size_t len);
int pl_buf_byte(struct pl_buf *b, uint8_t byte);
int pl_buf_printf(struct pl_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Right-align text in a field of width code points (Python's format
 * pads by characters, not bytes, which matters for "μs"). */
int pl_buf_pad_left(struct pl_buf *b, const char *text, size_t len, size_t width);
void pl_buf_free(struct pl_buf *b);

/* The last occurrence of c in s[0..len), or NULL (memrchr is not ISO C). */
const char *pl_last_char(const char *s, size_t len, char c);

#endif

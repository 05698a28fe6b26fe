/* Renders collapsed stacks as text: "tid:N;frame;...;frame count" lines,
 * most samples first, ties in byte order of the stack text. */
#ifndef COLLAPSED_RENDER_H
#define COLLAPSED_RENDER_H

#include "buf.h"
#include "labels.h"
#include "stacks.h"

int col_render(const struct col_stacks *s, const struct col_labels *l, struct pl_buf *out);

#endif

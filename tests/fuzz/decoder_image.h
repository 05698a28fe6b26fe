/* The valid process images fuzz_decoder starts from, one per layout path
 * of the decoder. */
#ifndef TESTS_FUZZ_DECODER_IMAGE_H
#define TESTS_FUZZ_DECODER_IMAGE_H

#include "pyimage.h"

enum decoder_image_kind {
    DECODER_IMAGE_313 = 0, /* layout from the image's own debug offsets */
    DECODER_IMAGE_311 = 1, /* built-in 3.11 table */
    DECODER_IMAGE_312 = 2, /* built-in 3.12 table */
};

/* Reset the pyimage arena and lay out a two-thread process of the given
 * kind: main thread three frames deep in one data-stack chunk with a
 * C-stack entry frame (3.12+) or an entry flag (3.11) between two of them,
 * a second thread running one frame, the GIL held by the main thread and
 * an exception state with a None value. p->runtime and p->version are what
 * pyimg_open needs. */
void decoder_image_build(enum decoder_image_kind kind, struct pyimg_proc *p);

#endif

/* The one entry point every fuzz target defines. libFuzzer calls it with
 * generated inputs; replay.c calls it with the committed corpus, so the
 * same harnesses also run as ordinary tests in builds without clang. */
#ifndef TESTS_FUZZ_FUZZ_H
#define TESTS_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif

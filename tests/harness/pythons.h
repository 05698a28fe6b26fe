/* The interpreters the C tests run against: the same list as the
 * integration tests, from tests/integration/support.py (the one place that
 * knows which interpreters are expected and how to start them). */
#ifndef TESTS_HARNESS_PYTHONS_H
#define TESTS_HARNESS_PYTHONS_H

#include <stddef.h>

#define TEST_PYTHONS_MAX 32

struct test_python {
    char name[64];
    char path[4096];
};

/* Fill out[0..n) and return n (> 0), or record a test failure and return 0
 * when the list cannot be had or an expected interpreter is missing. */
size_t test_pythons(struct test_python *out, size_t max);

#endif

/* A deliberately small unit-test harness: each test is a function that
 * records failures through CHECK macros; main() runs them with RUN() and
 * returns non-zero when any check failed. */
#ifndef TESTS_HARNESS_CHECK_H
#define TESTS_HARNESS_CHECK_H

#include <stdint.h>
#include <string.h>

extern int check_failures;
extern int check_passed_tests;
extern int check_failed_tests;

void check_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void check_run(const char *name, void (*fn)(void));
int check_summary(void);

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond))                                                           \
            check_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);                \
    } while (0)

#define CHECK_INT(a, b)                                                        \
    do {                                                                       \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);        \
        if (check_a_ != check_b_)                                              \
            check_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b,   \
                       check_a_, check_b_);                                    \
    } while (0)

#define CHECK_STR(a, b)                                                        \
    do {                                                                       \
        const char *check_a_ = (a), *check_b_ = (b);                           \
        if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0)         \
            check_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a,   \
                       #b, check_a_ ? check_a_ : "(null)",                     \
                       check_b_ ? check_b_ : "(null)");                        \
    } while (0)

#define RUN(fn) check_run(#fn, fn)

#endif

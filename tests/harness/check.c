#include "check.h"

#include <stdarg.h>
#include <stdio.h>

int check_failures;
int check_passed_tests;
int check_failed_tests;

void check_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "  FAIL %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    check_failures++;
}

void check_run(const char *name, void (*fn)(void))
{
    int before = check_failures;
    fn();
    if (check_failures == before) {
        check_passed_tests++;
        printf("ok   %s\n", name);
    } else {
        check_failed_tests++;
        printf("FAIL %s\n", name);
    }
}

int check_summary(void)
{
    printf("%d passed, %d failed\n", check_passed_tests, check_failed_tests);
    return check_failed_tests ? 1 : 0;
}

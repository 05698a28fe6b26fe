#include "pythons.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

size_t test_pythons(struct test_python *out, size_t max)
{
    char cmd[8192], line[4352];
    const char *build = getenv("TACHYON_BUILD_DIR");
    size_t n = 0;
    FILE *p;
    int status;

    /* Launchers for the Debian unstable root are written into the build
     * tree this test belongs to. */
    snprintf(cmd, sizeof cmd, "TACHYON_BUILD_DIR='%s' '%s' '%s'", build && *build ? build : TACHYON_TEST_BUILD_DIR,
             TACHYON_TEST_DRIVER, TACHYON_TEST_SUPPORT);
    p = popen(cmd, "r");
    if (!p) {
        check_fail(__FILE__, __LINE__, "cannot run %s", TACHYON_TEST_SUPPORT);
        return 0;
    }
    while (n < max && fgets(line, sizeof line, p)) {
        char *tab = strchr(line, '\t'), *nl = strchr(line, '\n');
        if (!tab || !nl)
            continue;
        *tab = *nl = '\0';
        if (strlen(line) >= sizeof out[n].name || strlen(tab + 1) >= sizeof out[n].path)
            continue;
        memcpy(out[n].name, line, strlen(line) + 1);
        memcpy(out[n].path, tab + 1, strlen(tab + 1) + 1);
        n++;
    }
    status = pclose(p);
    if (status != 0 || n == 0) {
        check_fail(__FILE__, __LINE__, "expected interpreters missing (see %s's message above)",
                   TACHYON_TEST_SUPPORT);
        return 0;
    }
    return n;
}

/* Runs a fuzz target's LLVMFuzzerTestOneInput over every file of the
 * directories (or files) named on the command line, in name order, so the
 * seed corpus and crash reproducers are replayed by ctest under the normal
 * (gcc, ASan) build. A sanitizer report or crash fails the test; an empty
 * corpus fails too, so a moved directory cannot pass silently. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long n;
    int rc = -1;

    if (!f) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return -1;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
        goto out;
    /* One extra byte so an empty file still gets a valid pointer. */
    buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
        goto out;
    LLVMFuzzerTestOneInput(buf, (size_t)n);
    rc = 0;
out:
    if (rc < 0)
        fprintf(stderr, "replay: cannot read %s\n", path);
    free(buf);
    fclose(f);
    return rc;
}

static int regular_only(const struct dirent *d)
{
    return d->d_name[0] != '.';
}

/* Returns the number of inputs run, or -1. */
static long run_path(const char *path)
{
    struct dirent **names = NULL;
    struct stat st;
    char full[4096];
    long count = 0;
    int n, i;

    if (stat(path, &st) != 0) {
        fprintf(stderr, "replay: no such path %s\n", path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode))
        return run_file(path) == 0 ? 1 : -1;
    n = scandir(path, &names, regular_only, alphasort);
    if (n < 0) {
        fprintf(stderr, "replay: cannot list %s\n", path);
        return -1;
    }
    for (i = 0; i < n; i++) {
        int len = snprintf(full, sizeof full, "%s/%s", path, names[i]->d_name);
        if (count >= 0 && len > 0 && (size_t)len < sizeof full && stat(full, &st) == 0 && S_ISREG(st.st_mode))
            count = run_file(full) == 0 ? count + 1 : -1;
        free(names[i]);
    }
    free(names);
    return count;
}

int main(int argc, char **argv)
{
    long total = 0;
    int i;

    for (i = 1; i < argc; i++) {
        long n = run_path(argv[i]);
        if (n < 0)
            return 1;
        total += n;
    }
    printf("replay: %ld inputs\n", total);
    return total > 0 ? 0 : 1;
}

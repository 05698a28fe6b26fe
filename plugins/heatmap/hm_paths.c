/* Output directory and file classification; see hm_paths.h. */
#include "hm_paths.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <tachyon/plugin.h>

char *hm_output_dir(const char *output)
{
    size_t n = strlen(output);
    if (n > 5 && strcmp(output + n - 5, ".html") == 0)
        n -= 5;
    /* "dir/" and "dir" name the same directory; keep the messages tidy. */
    while (n > 1 && output[n - 1] == '/')
        n--;
    char *dir = malloc(n + 1);
    if (dir) {
        memcpy(dir, output, n);
        dir[n] = '\0';
    }
    return dir;
}

/* Start of the text after the last "/site-packages/" or "/dist-packages/". */
static const char *after_site(const char *name)
{
    const char *best = NULL;
    static const char *const marks[] = {"/site-packages/", "/dist-packages/"};
    for (size_t m = 0; m < 2; m++) {
        for (const char *p = strstr(name, marks[m]); p; p = strstr(p + 1, marks[m])) {
            if (!best || p + strlen(marks[m]) > best)
                best = p + strlen(marks[m]);
        }
    }
    return best;
}

/* Start of the text after a ".../lib.../pythonX.Y[t]/" directory. */
static const char *after_stdlib(const char *name)
{
    for (const char *p = strstr(name, "/python"); p; p = strstr(p + 1, "/python")) {
        const char *q = p + 7;
        if (!isdigit((unsigned char)*q))
            continue;
        while (isdigit((unsigned char)*q))
            q++;
        if (*q++ != '.' || !isdigit((unsigned char)*q))
            continue;
        while (isdigit((unsigned char)*q))
            q++;
        if (*q == 't')
            q++;
        if (*q != '/')
            continue;
        /* The parent directory must be a lib directory (lib, lib64). */
        const char *seg = p;
        while (seg > name && seg[-1] != '/')
            seg--;
        if (strncmp(seg, "lib", 3) == 0)
            return q + 1;
    }
    return NULL;
}

static int module_name(const char *rel, struct pl_buf *out)
{
    size_t n = strlen(rel);
    size_t start = out->len;
    if (n > 3 && strcmp(rel + n - 3, ".py") == 0)
        n -= 3;
    while (n && rel[0] == '/') {
        rel++;
        n--;
    }
    for (size_t i = 0; i < n; i++) {
        char c = rel[i] == '/' ? '.' : rel[i];
        /* Repeated slashes must not make empty components. */
        if (c == '.' && rel[i] == '/' && (out->len == start || out->data[out->len - 1] == '.'))
            continue;
        int rc = pl_buf_byte(out, (unsigned char)c);
        if (rc)
            return rc;
    }
    /* A package's __init__ stands for the package itself. */
    if (out->len - start > 9 && memcmp(out->data + out->len - 9, ".__init__", 9) == 0)
        out->len -= 9;
    if (out->len == start)
        return pl_buf_put(out, rel, n);
    return 0;
}

int hm_classify(const char *name, const char *cwd, enum hm_kind *kind, struct pl_buf *out)
{
    const char *rel;
    size_t cl = cwd ? strlen(cwd) : 0;
    if ((rel = after_site(name)) != NULL) {
        *kind = HM_SITE;
    } else if ((rel = after_stdlib(name)) != NULL) {
        *kind = HM_STDLIB;
    } else if (name[0] != '/') {
        *kind = HM_PROJECT;
        rel = name;
        while (rel[0] == '.' && rel[1] == '/')
            rel += 2;
    } else if (cl > 1 && strncmp(name, cwd, cl) == 0 && name[cl] == '/') {
        *kind = HM_PROJECT;
        rel = name + cl + 1;
    } else {
        *kind = HM_OTHER;
        rel = name;
    }
    return module_name(rel, out);
}

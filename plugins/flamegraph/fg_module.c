#include <string.h>

#include "fg_module.h"

/* The end of the last occurrence of needle in s[0..len), or NULL. */
static const char *after_last(const char *s, size_t len, const char *needle)
{
    size_t n = strlen(needle), i;
    const char *found = NULL;
    for (i = 0; n <= len && i + n <= len; i++)
        if (memcmp(s + i, needle, n) == 0)
            found = s + i + n;
    return found;
}

/* The end of the last "/lib/pythonX.Y/" in s, or NULL. */
static const char *after_stdlib(const char *s, size_t len)
{
    const char *best = NULL;
    size_t i;
    for (i = 0; i + 12 <= len; i++) {
        size_t j;
        if (memcmp(s + i, "/lib/python", 11) != 0)
            continue;
        j = i + 11;
        while (j < len && ((s[j] >= '0' && s[j] <= '9') || s[j] == '.'))
            j++;
        if (j > i + 11 && j < len && s[j] == '/')
            best = s + j + 1;
    }
    return best;
}

size_t fg_module_name(const char *file, size_t len, const char *cwd, char *out, size_t cap)
{
    const char *start = file, *p;
    size_t n, i, cl = cwd ? strlen(cwd) : 0;

    if (!cap)
        return 0;
    if (len && file[0] == '/') {
        if ((p = after_last(file, len, "/site-packages/")) || (p = after_last(file, len, "/dist-packages/")) ||
            (p = after_stdlib(file, len)))
            start = p;
        else if (cl > 1 && len > cl + 1 && memcmp(file, cwd, cl) == 0 && file[cl] == '/')
            start = file + cl + 1;
        else
            start = file + 1;
        n = len - (size_t)(start - file);
        if (n > 3 && memcmp(start + n - 3, ".py", 3) == 0)
            n -= 3;
        if (n > 9 && memcmp(start + n - 9, "/__init__", 9) == 0)
            n -= 9;
    } else {
        n = len;
    }
    if (n >= cap)
        n = cap - 1;
    for (i = 0; i < n; i++)
        out[i] = (start != file || file[0] == '/') && start[i] == '/' ? '.' : start[i];
    out[n] = '\0';
    return n;
}

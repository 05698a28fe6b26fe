/* Line scanner for tachyon.ini text; see config_scan.h. The rules follow
 * iniparser 4: whitespace is trimmed, '#' or ';' starts a comment line, a
 * trailing backslash joins the next line, "[name]" opens a section and
 * "key = value" sets a key (the key ends at the first '='). */
#include "config_scan.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "../common/err.h"
#include "../common/grow.h"

/* iniparser reads a logical line into a 1024-byte buffer and rejects
 * longer ones; refuse them here first with a clearer message. */
#define MAX_LOGICAL_LINE 1020

static char *dup_lower(const char *p, size_t n)
{
    char *out = malloc(n + 1);
    size_t i;

    if (!out)
        return NULL;
    for (i = 0; i < n; i++)
        out[i] = (char)tolower((unsigned char)p[i]);
    out[n] = '\0';
    return out;
}

static void trim(const char **p, size_t *n)
{
    while (*n && isspace((unsigned char)**p)) {
        (*p)++;
        (*n)--;
    }
    while (*n && isspace((unsigned char)(*p)[*n - 1]))
        (*n)--;
}

static int add_item(struct config_scan *scan, char *section, char *key, int line)
{
    if (grow_array((void **)&scan->items, &scan->cap, scan->count + 1, sizeof *scan->items) < 0)
        return ERR_NOMEM;
    scan->items[scan->count].section = section;
    scan->items[scan->count].key = key;
    scan->items[scan->count].line = line;
    scan->count++;
    return 0;
}

/* Classify one logical line (already joined and trimmed). */
static int scan_line(struct config_scan *scan, const char *path, int line, const char *p,
                     size_t n, char **section)
{
    char *name, *sec_copy;
    const char *eq;
    size_t klen;
    int prev, rc;

    if (n == 0 || p[0] == '#' || p[0] == ';')
        return 0;
    if (p[0] == '[' && p[n - 1] == ']') {
        const char *close = memchr(p, ']', n);
        const char *start = p + 1;
        klen = (size_t)(close - start);
        trim(&start, &klen);
        if (klen == 0)
            return diag_set(ERR_INVALID, "%s:%d: empty section name '[]'", path, line);
        name = dup_lower(start, klen);
        if (!name)
            return ERR_NOMEM;
        free(*section);
        *section = name;
        sec_copy = strdup(name);
        if (!sec_copy)
            return ERR_NOMEM;
        rc = add_item(scan, sec_copy, NULL, line);
        if (rc)
            free(sec_copy);
        return rc;
    }
    eq = memchr(p, '=', n);
    if (!eq || eq == p)
        return diag_set(ERR_INVALID, "%s:%d: syntax error: expected '[section]' or "
                        "'key = value', got '%.*s'", path, line, (int)(n > 80 ? 80 : n), p);
    klen = (size_t)(eq - p);
    trim(&p, &klen);
    if (klen == 0)
        return diag_set(ERR_INVALID, "%s:%d: syntax error: missing key before '='", path, line);
    name = dup_lower(p, klen);
    sec_copy = strdup(*section ? *section : "");
    if (!name || !sec_copy) {
        free(name);
        free(sec_copy);
        return ERR_NOMEM;
    }
    /* iniparser keeps the last of two equal keys without a word; a file
     * that sets a key twice is more likely a mistake than intent. */
    prev = scan_key_line(scan, sec_copy, name);
    if (prev > 0) {
        rc = diag_set(ERR_INVALID, "%s:%d: '%s' in [%s] is already set on line %d", path, line,
                      name, sec_copy, prev);
        free(name);
        free(sec_copy);
        return rc;
    }
    rc = add_item(scan, sec_copy, name, line);
    if (rc) {
        free(name);
        free(sec_copy);
    }
    return rc;
}

int scan_text(struct config_scan *scan, const char *path, const char *text, size_t len)
{
    char logical[MAX_LOGICAL_LINE + 2];
    char *section = NULL;
    size_t pos = 0, used = 0;
    int line = 0, start_line = 0, rc = 0;

    memset(scan, 0, sizeof *scan);
    if (memchr(text, '\0', len)) {
        const char *nul = memchr(text, '\0', len), *q;
        int at = 1;
        for (q = text; q < nul; q++)
            at += *q == '\n';
        return diag_set(ERR_INVALID, "%s:%d: NUL byte in configuration file (binary file?)",
                        path, at);
    }
    while (pos < len) {
        const char *p = text + pos, *nl = memchr(p, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - p) : len - pos;
        const char *lp;
        size_t ln;

        pos += n + (nl ? 1 : 0);
        line++;
        /* Trailing whitespace (including '\r') goes before the
         * continuation check, as in iniparser. */
        while (n && isspace((unsigned char)p[n - 1]))
            n--;
        if (used == 0)
            start_line = line;
        if (used + n > MAX_LOGICAL_LINE) {
            rc = diag_set(ERR_INVALID, "%s:%d: line longer than %d characters", path, start_line,
                          MAX_LOGICAL_LINE);
            goto out;
        }
        memcpy(logical + used, p, n);
        used += n;
        if (n && p[n - 1] == '\\' && pos < len) {
            used--;
            continue;
        }
        lp = logical;
        ln = used;
        trim(&lp, &ln);
        rc = scan_line(scan, path, start_line, lp, ln, &section);
        if (rc)
            goto out;
        used = 0;
    }
out:
    free(section);
    if (rc)
        scan_free(scan);
    return rc;
}

void scan_free(struct config_scan *scan)
{
    size_t i;

    for (i = 0; i < scan->count; i++) {
        free(scan->items[i].section);
        free(scan->items[i].key);
    }
    free(scan->items);
    memset(scan, 0, sizeof *scan);
}

int scan_section_line(const struct config_scan *scan, const char *section)
{
    size_t i;

    for (i = 0; i < scan->count; i++)
        if (!scan->items[i].key && strcmp(scan->items[i].section, section) == 0)
            return scan->items[i].line;
    return 0;
}

int scan_key_line(const struct config_scan *scan, const char *section, const char *key)
{
    size_t i;

    for (i = 0; i < scan->count; i++)
        if (scan->items[i].key && strcmp(scan->items[i].section, section) == 0 &&
            strcmp(scan->items[i].key, key) == 0)
            return scan->items[i].line;
    return 0;
}

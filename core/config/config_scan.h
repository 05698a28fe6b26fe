/* A line scanner for tachyon.ini text: it finds the line of every section
 * header and key (iniparser keeps no line numbers), rejects keys set twice
 * in one file, and names the first line that is neither blank, a comment,
 * a [section] nor a key = value. Names are folded to lower case, as
 * iniparser does, so lookups match the dictionary's entries. */
#ifndef CORE_CONFIG_CONFIG_SCAN_H
#define CORE_CONFIG_CONFIG_SCAN_H

#include <stddef.h>

struct scan_item {
    char *section;
    char *key;       /* NULL for a section header */
    int line;        /* 1-based */
};

struct config_scan {
    struct scan_item *items;
    size_t count;
    size_t cap;
};

/* 0, or ERR_INVALID / ERR_NOMEM with a diag message naming path:line. */
int scan_text(struct config_scan *scan, const char *path, const char *text, size_t len);
void scan_free(struct config_scan *scan);
/* The line of the first header of section / of key in section; 0 if none. */
int scan_section_line(const struct config_scan *scan, const char *section);
int scan_key_line(const struct config_scan *scan, const char *section, const char *key);

#endif

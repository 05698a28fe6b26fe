/* Validation of plugin descriptors and option values. */
#include "descriptor.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/err.h"

const tachyon_format *descriptor_format(const tachyon_plugin *desc, size_t i)
{
    const char *base = (const char *)desc->formats;
    return (const tachyon_format *)(base + i * desc->formats[0].struct_size);
}

const tachyon_option *descriptor_option(const tachyon_plugin *desc, size_t i)
{
    const char *base = (const char *)desc->options;
    return (const tachyon_option *)(base + i * desc->options[0].struct_size);
}

const tachyon_option *descriptor_find_option(const tachyon_plugin *desc, const char *key)
{
    for (size_t i = 0; i < desc->option_count; i++) {
        const tachyon_option *o = descriptor_option(desc, i);
        if (strcmp(o->name, key) == 0)
            return o;
    }
    return NULL;
}

const char *option_type_name(uint32_t type)
{
    switch (type) {
    case TACHYON_OPT_STRING: return "string";
    case TACHYON_OPT_INT: return "integer";
    case TACHYON_OPT_BOOL: return "boolean";
    case TACHYON_OPT_FLOAT: return "number";
    case TACHYON_OPT_CHOICE: return "choice";
    default: return "unknown";
    }
}

int option_parse_bool(const char *value, int *out)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};

    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (strcasecmp(value, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp(value, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    return ERR_INVALID;
}

static int choice_contains(const char *choices, const char *value)
{
    size_t vlen = strlen(value);
    const char *p = choices;

    while (*p) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (n == vlen && n > 0 && memcmp(p, value, n) == 0)
            return 1;
        if (!bar)
            break;
        p = bar + 1;
    }
    return 0;
}

int option_value_valid(const tachyon_option *opt, const char *value)
{
    char *end;
    int b;

    if (!value)
        return 0;
    switch (opt->type) {
    case TACHYON_OPT_STRING:
        return 1;
    case TACHYON_OPT_INT:
        errno = 0;
        (void)strtoll(value, &end, 10);
        return *value != '\0' && *end == '\0' && errno == 0;
    case TACHYON_OPT_FLOAT: {
        double d;
        errno = 0;
        d = strtod(value, &end);
        return *value != '\0' && *end == '\0' && errno == 0 && isfinite(d);
    }
    case TACHYON_OPT_BOOL:
        return option_parse_bool(value, &b) == 0;
    case TACHYON_OPT_CHOICE:
        return opt->choices && choice_contains(opt->choices, value);
    default:
        return 0;
    }
}

static int nonempty(const char *s)
{
    return s && *s;
}

static int check_formats(const tachyon_plugin *d, char *why, size_t whylen)
{
    uint32_t size;

    if (!d->formats || d->format_count == 0) {
        snprintf(why, whylen, "plugin \"%s\" declares no output formats", d->name);
        return ERR_PLUGIN;
    }
    size = d->formats[0].struct_size;
    if (size < PLUGIN_FORMAT_SIZE_1_0 || size > PLUGIN_STRUCT_SIZE_MAX) {
        snprintf(why, whylen, "format descriptor struct_size is %u, expected %zu to %u", size,
                 (size_t)PLUGIN_FORMAT_SIZE_1_0, PLUGIN_STRUCT_SIZE_MAX);
        return ERR_PLUGIN;
    }
    for (uint32_t i = 0; i < d->format_count; i++) {
        const tachyon_format *f = descriptor_format(d, i);
        /* Every element of one array was compiled with one struct layout;
         * a mismatch means the array is not what it claims to be. */
        if (f->struct_size != size) {
            snprintf(why, whylen, "format #%u has struct_size %u, the first has %u", i,
                     f->struct_size, size);
            return ERR_PLUGIN;
        }
        if (!nonempty(f->name)) {
            snprintf(why, whylen, "format #%u has no name", i);
            return ERR_PLUGIN;
        }
        for (uint32_t j = 0; j < i; j++) {
            if (strcmp(descriptor_format(d, j)->name, f->name) == 0) {
                snprintf(why, whylen, "format \"%s\" is declared twice", f->name);
                return ERR_PLUGIN;
            }
        }
    }
    return 0;
}

static int check_options(const tachyon_plugin *d, char *why, size_t whylen)
{
    uint32_t size;

    if (d->option_count == 0)
        return 0;
    if (!d->options) {
        snprintf(why, whylen, "declares %u options but no option table", d->option_count);
        return ERR_PLUGIN;
    }
    size = d->options[0].struct_size;
    if (size < PLUGIN_OPTION_SIZE_1_0 || size > PLUGIN_STRUCT_SIZE_MAX) {
        snprintf(why, whylen, "option descriptor struct_size is %u, expected %zu to %u", size,
                 (size_t)PLUGIN_OPTION_SIZE_1_0, PLUGIN_STRUCT_SIZE_MAX);
        return ERR_PLUGIN;
    }
    for (uint32_t i = 0; i < d->option_count; i++) {
        const tachyon_option *o = descriptor_option(d, i);
        if (o->struct_size != size) {
            snprintf(why, whylen, "option #%u has struct_size %u, the first has %u", i,
                     o->struct_size, size);
            return ERR_PLUGIN;
        }
        if (!nonempty(o->name) || strchr(o->name, '=') || strchr(o->name, '.')) {
            snprintf(why, whylen, "option #%u has an empty or malformed name", i);
            return ERR_PLUGIN;
        }
        if (o->type > TACHYON_OPT_CHOICE) {
            snprintf(why, whylen, "option \"%s\" has unknown type %u", o->name, o->type);
            return ERR_PLUGIN;
        }
        if (o->type == TACHYON_OPT_CHOICE && !nonempty(o->choices)) {
            snprintf(why, whylen, "choice option \"%s\" lists no choices", o->name);
            return ERR_PLUGIN;
        }
        if (o->default_value && !option_value_valid(o, o->default_value)) {
            snprintf(why, whylen, "option \"%s\" has default \"%s\", which is not a valid %s",
                     o->name, o->default_value, option_type_name(o->type));
            return ERR_PLUGIN;
        }
        for (uint32_t j = 0; j < i; j++) {
            if (strcmp(descriptor_option(d, j)->name, o->name) == 0) {
                snprintf(why, whylen, "option \"%s\" is declared twice", o->name);
                return ERR_PLUGIN;
            }
        }
    }
    return 0;
}

int descriptor_check(const tachyon_plugin *d, char *why, size_t whylen)
{
    if (!d) {
        snprintf(why, whylen, "%s() returned NULL", TACHYON_PLUGIN_ENTRY_NAME);
        return ERR_PLUGIN;
    }
    /* struct_size and abi_version sit at the front of every major version,
     * so they are the only fields safe to read before both are checked. */
    if (d->abi_version != TACHYON_ABI_VERSION) {
        snprintf(why, whylen, "built for plugin ABI %u, this tachyon speaks ABI %d",
                 d->abi_version, TACHYON_ABI_VERSION);
        return ERR_PLUGIN;
    }
    if (d->struct_size < TACHYON_PLUGIN_SIZE_1_0) {
        snprintf(why, whylen,
                 "plugin descriptor is %u bytes, smaller than the %zu bytes of ABI %d.0 "
                 "(built against an older or mismatched header)",
                 d->struct_size, (size_t)TACHYON_PLUGIN_SIZE_1_0, TACHYON_ABI_VERSION);
        return ERR_PLUGIN;
    }
    if (d->struct_size > PLUGIN_STRUCT_SIZE_MAX) {
        snprintf(why, whylen, "plugin descriptor claims %u bytes, more than any ABI %d.x defines",
                 d->struct_size, TACHYON_ABI_VERSION);
        return ERR_PLUGIN;
    }
    if (!nonempty(d->name) || !nonempty(d->version)) {
        snprintf(why, whylen, "plugin descriptor has an empty name or version");
        return ERR_PLUGIN;
    }
    if (!d->create || !d->on_sample || !d->finish || !d->destroy) {
        snprintf(why, whylen, "plugin \"%s\" lacks a required callback (%s)", d->name,
                 !d->create ? "create" : !d->on_sample ? "on_sample" : !d->finish ? "finish"
                                                                                   : "destroy");
        return ERR_PLUGIN;
    }
    if (check_formats(d, why, whylen) < 0 || check_options(d, why, whylen) < 0)
        return ERR_PLUGIN;
    return 0;
}

/* Version selection and queries over the generated opcode tables. */
#include "opcodes.h"

#include "../common/err.h"
#include "opcode_tables.h"

#define RELEASE_LEVEL_RC 0xC

struct version_slot {
    const struct opcode_table *table;
    int any_release_level;        /* development versions: accept alphas too */
    int deopt_ready;              /* the flat arrays below are filled in */
    struct opcode_deopt deopt;
};

/* The core is single-threaded, so the flat arrays are filled lazily on the
 * first request without locking. */
static struct version_slot slots[] = {
    {&opcode_table_311, 0, 0, {{0}, {0}}},
    {&opcode_table_312, 0, 0, {{0}, {0}}},
    {&opcode_table_313, 0, 0, {{0}, {0}}},
    {&opcode_table_314, 0, 0, {{0}, {0}}},
    {&opcode_table_315, 0, 0, {{0}, {0}}},
};

static struct version_slot *find_slot(uint32_t hexversion)
{
    int major = (int)((hexversion >> 24) & 0xFF);
    int minor = (int)((hexversion >> 16) & 0xFF);
    int level = (int)((hexversion >> 4) & 0xF);
    size_t i;

    for (i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
        const struct opcode_table *t = slots[i].table;
        if (t->major != major || t->minor != minor)
            continue;
        if (!slots[i].any_release_level && level < RELEASE_LEVEL_RC)
            return NULL;
        return &slots[i];
    }
    return NULL;
}

static int version_error(uint32_t hexversion)
{
    return diag_set(ERR_INVALID, "no opcode table for CPython hexversion 0x%08x",
                    (unsigned)hexversion);
}

int opcode_version_supported(uint32_t hexversion)
{
    return find_slot(hexversion) != NULL;
}

static int entry_for(uint32_t hexversion, int opcode, const struct opcode_table **tp,
                     const struct opcode_entry **ep)
{
    struct version_slot *s = find_slot(hexversion);

    if (!s)
        return version_error(hexversion);
    if (opcode < 0 || opcode > 255 || !s->table->ops[opcode].name)
        return diag_set(ERR_INVALID, "opcode %d is not used by CPython %d.%d", opcode,
                        s->table->major, s->table->minor);
    *tp = s->table;
    *ep = &s->table->ops[opcode];
    return 0;
}

int opcode_lookup(uint32_t hexversion, int opcode, struct opcode_info *out)
{
    const struct opcode_table *t = NULL;
    const struct opcode_entry *e = NULL;
    int rc = entry_for(hexversion, opcode, &t, &e);

    if (rc < 0)
        return rc;
    out->name = e->name;
    out->base_name = t->ops[e->base].name;
    out->opcode = opcode;
    out->base_opcode = e->base;
    out->is_specialized = e->base != opcode;
    out->is_instrumented = (e->flags & OPCODE_F_INSTRUMENTED) != 0;
    out->is_indirect = (e->flags & OPCODE_F_INDIRECT) != 0;
    out->cache_entries = e->caches == OPCODE_CACHES_UNKNOWN ? -1 : e->caches;
    out->provisional = t->provisional;
    return 0;
}

int opcode_cache_entries(uint32_t hexversion, int base_opcode)
{
    const struct opcode_table *t = NULL;
    const struct opcode_entry *e = NULL;
    int rc = entry_for(hexversion, base_opcode, &t, &e);

    if (rc < 0)
        return rc;
    if (e->caches == OPCODE_CACHES_UNKNOWN)
        return diag_set(ERR_UNSUPPORTED, "the size of %s in CPython %d.%d is not known",
                        e->name, t->major, t->minor);
    return e->caches;
}

int opcode_deopt_table(uint32_t hexversion, const struct opcode_deopt **out)
{
    struct version_slot *s = find_slot(hexversion);
    int op;

    if (!s)
        return version_error(hexversion);
    if (!s->deopt_ready) {
        for (op = 0; op < 256; op++) {
            const struct opcode_entry *e = &s->table->ops[op];
            s->deopt.base[op] = e->name ? e->base : (uint8_t)op;
            s->deopt.units[op] = (!e->name || e->caches == OPCODE_CACHES_UNKNOWN)
                                     ? 0 : (uint8_t)(1 + e->caches);
        }
        s->deopt_ready = 1;
    }
    *out = &s->deopt;
    return 0;
}

int opcode_locate(uint32_t hexversion, const uint8_t *code, size_t n_units,
                  size_t unit, size_t *start, int *opcode)
{
    const struct opcode_deopt *d;
    size_t i = 0;
    int rc;

    if (!code || !start || !opcode || unit >= n_units)
        return diag_set(ERR_INVALID, "opcode_locate: unit %zu outside %zu code units",
                        unit, n_units);
    rc = opcode_deopt_table(hexversion, &d);
    if (rc < 0)
        return rc;
    /* Each step moves forward by at least one unit, so the walk ends after
     * at most `unit` steps whatever the bytes say. */
    for (;;) {
        uint8_t op = code[2 * i];
        uint8_t size = d->units[op];
        struct opcode_info info;

        if (!size && opcode_lookup(hexversion, op, &info) < 0)
            return diag_set(ERR_CORRUPT, "unused opcode %u at code unit %zu", op, i);
        if (i == unit)
            break;
        if (!size)
            return diag_set(ERR_UNSUPPORTED, "%s at code unit %zu has an unknown size",
                            info.name, i);
        if (i + size > n_units)
            return diag_set(ERR_CORRUPT, "instruction at code unit %zu runs past %zu units",
                            i, n_units);
        if (unit < i + size)
            break;
        i += size;
    }
    *start = i;
    *opcode = code[2 * i];
    return 0;
}

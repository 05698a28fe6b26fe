/* The human-readable `tachyon plugins` report. */
#include "registry.h"

#include <string.h>

#include "plugin/descriptor.h"

static const struct plugin_entry *shadowing_entry(const struct plugin_registry *reg,
                                                  const struct plugin_entry *e)
{
    for (size_t i = 0; i < reg->count; i++) {
        const struct plugin_entry *p = &reg->entries[i];
        if (p->desc && !p->shadowed && strcmp(p->desc->name, e->desc->name) == 0)
            return p;
    }
    return NULL;
}

static void print_option(FILE *fp, const char *plugin, const tachyon_option *o)
{
    fprintf(fp, "      %s.%s (%s", plugin, o->name, option_type_name(o->type));
    if (o->type == TACHYON_OPT_CHOICE && o->choices)
        fprintf(fp, ": %s", o->choices);
    if (o->default_value)
        fprintf(fp, ", default %s", o->default_value);
    fprintf(fp, ")");
    if (o->help && *o->help)
        fprintf(fp, "  %s", o->help);
    fputc('\n', fp);
}

/* Two plugins may declare one format name: the first in discovery order
 * provides it, and the listing says which one is hidden by which. */
static void print_format_owner(FILE *fp, const struct plugin_registry *reg, const struct plugin_entry *e,
                               const char *format)
{
    const struct plugin_entry *owner = registry_find_format(reg, format, NULL);
    const struct plugin_entry *rival;

    if (owner && owner != e) {
        fprintf(fp, "                     (hidden: %s %s provides it, found first)\n", owner->desc->name,
                owner->path);
        return;
    }
    rival = registry_format_rival(reg, format);
    if (rival)
        fprintf(fp, "                     (used; also declared by %s %s, which is hidden)\n", rival->desc->name,
                rival->path);
}

static void print_plugin(FILE *fp, const struct plugin_registry *reg, const struct plugin_entry *e)
{
    const tachyon_plugin *d = e->desc;

    fprintf(fp, "  %s %s (ABI %u.%u)  %s\n", d->name, d->version, d->abi_version, d->abi_minor,
            e->path);
    if (d->summary && *d->summary)
        fprintf(fp, "    %s\n", d->summary);
    fprintf(fp, "    formats:\n");
    for (uint32_t i = 0; i < d->format_count; i++) {
        const tachyon_format *f = descriptor_format(d, i);
        fprintf(fp, "      %-14s %s\n", f->name, f->description ? f->description : "");
        print_format_owner(fp, reg, e, f->name);
    }
    if (d->option_count > 0) {
        fprintf(fp, "    options:\n");
        for (uint32_t i = 0; i < d->option_count; i++)
            print_option(fp, d->name, descriptor_option(d, i));
    }
}

void registry_print(const struct plugin_registry *reg, FILE *fp)
{
    size_t accepted = 0, rejected = 0, shadowed = 0;

    for (size_t i = 0; i < reg->count; i++) {
        const struct plugin_entry *e = &reg->entries[i];
        if (!e->desc)
            rejected++;
        else if (e->shadowed)
            shadowed++;
        else
            accepted++;
    }

    fprintf(fp, "Plugins (%zu):\n", accepted);
    if (accepted == 0)
        fprintf(fp, "  none found\n");
    for (size_t i = 0; i < reg->count; i++)
        if (reg->entries[i].desc && !reg->entries[i].shadowed)
            print_plugin(fp, reg, &reg->entries[i]);

    if (rejected > 0) {
        fprintf(fp, "\nRejected (%zu):\n", rejected);
        for (size_t i = 0; i < reg->count; i++)
            if (!reg->entries[i].desc)
                fprintf(fp, "  %s\n", reg->entries[i].reason);
    }
    if (shadowed > 0) {
        fprintf(fp, "\nShadowed (%zu):\n", shadowed);
        for (size_t i = 0; i < reg->count; i++) {
            const struct plugin_entry *e = &reg->entries[i];
            const struct plugin_entry *by;
            if (!e->desc || !e->shadowed)
                continue;
            by = shadowing_entry(reg, e);
            fprintf(fp, "  %s: %s %s, hidden by %s\n", e->path, e->desc->name, e->desc->version,
                    by ? by->path : "an earlier plugin");
        }
    }
    if (reg->n_notes > 0) {
        fprintf(fp, "\nNotes:\n");
        for (size_t i = 0; i < reg->n_notes; i++)
            fprintf(fp, "  %s\n", reg->notes[i]);
    }
}

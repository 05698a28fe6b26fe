/* Checking a plugin descriptor before the host trusts any of it, and
 * walking its format and option arrays.
 *
 * The arrays are laid out with the plugin's idea of the element size (its
 * struct_size), which is larger than ours when the plugin was built against
 * a later minor version; the accessors below step by that size. */
#ifndef CORE_PLUGIN_DESCRIPTOR_H
#define CORE_PLUGIN_DESCRIPTOR_H

#include <stddef.h>

#include <tachyon/plugin.h>

/* The smallest nested structs ABI 1.0 defines. */
#define PLUGIN_FORMAT_SIZE_1_0 (offsetof(tachyon_format, default_output) + sizeof(const char *))
#define PLUGIN_OPTION_SIZE_1_0 (offsetof(tachyon_option, choices) + sizeof(const char *))
/* A struct_size beyond this is garbage, not a future minor version. */
#define PLUGIN_STRUCT_SIZE_MAX 4096u

/* 0 when desc is usable; otherwise ERR_PLUGIN with the reason (without the
 * file name, which the caller prepends) written to why. */
int descriptor_check(const tachyon_plugin *desc, char *why, size_t whylen);

const tachyon_format *descriptor_format(const tachyon_plugin *desc, size_t i);
const tachyon_option *descriptor_option(const tachyon_plugin *desc, size_t i);
/* The declared option called key, or NULL. */
const tachyon_option *descriptor_find_option(const tachyon_plugin *desc, const char *key);
const char *option_type_name(uint32_t type);

/* Whether value is acceptable for opt: 1 yes, 0 no. */
int option_value_valid(const tachyon_option *opt, const char *value);
/* The words a boolean option accepts, and their canonical spellings. */
int option_parse_bool(const char *value, int *out);

#endif

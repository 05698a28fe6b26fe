/* Descriptor validation: what the registry accepts and the reasons it
 * gives, using in-memory descriptors instead of built plugins. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "plugin/descriptor.h"

static int cb_create(const tachyon_host *h, const char *f, void **s) { return 0; }
static int cb_sample(void *s, const tachyon_sample *x) { return 0; }
static int cb_finish(void *s, const tachyon_finish_info *i) { return 0; }
static void cb_destroy(void *s) {}

static const tachyon_format one_format[] = {
    {sizeof(tachyon_format), 0, "demo", "Demo output", "demo.out"},
};

static tachyon_plugin valid(void)
{
    tachyon_plugin p;
    memset(&p, 0, sizeof p);
    p.struct_size = sizeof p;
    p.abi_version = TACHYON_ABI_VERSION;
    p.name = "demo";
    p.version = "1.2";
    p.formats = one_format;
    p.format_count = 1;
    p.create = cb_create;
    p.on_sample = cb_sample;
    p.finish = cb_finish;
    p.destroy = cb_destroy;
    return p;
}

static char why[512];

static int rejected_with(const tachyon_plugin *p, const char *needle)
{
    why[0] = '\0';
    if (descriptor_check(p, why, sizeof why) == 0)
        return 0;
    return strstr(why, needle) != NULL;
}

static void test_valid_descriptor(void)
{
    tachyon_plugin p = valid();
    CHECK_INT(descriptor_check(&p, why, sizeof why), 0);
    /* tick is optional. */
    p.tick = NULL;
    CHECK_INT(descriptor_check(&p, why, sizeof why), 0);
}

static void test_version_and_size(void)
{
    tachyon_plugin p = valid();

    CHECK(rejected_with(NULL, "returned NULL"));
    p.abi_version = 2;
    CHECK(rejected_with(&p, "built for plugin ABI 2, this tachyon speaks ABI 1"));
    p = valid();
    p.abi_version = 0;
    CHECK(rejected_with(&p, "built for plugin ABI 0"));
    p = valid();
    p.struct_size = (uint32_t)offsetof(tachyon_plugin, finish);
    CHECK(rejected_with(&p, "smaller than the"));
    p.struct_size = 100000;
    CHECK(rejected_with(&p, "more than any ABI 1.x defines"));
    /* A later minor version's longer descriptor is fine. */
    p.struct_size = sizeof p + 16;
    CHECK_INT(descriptor_check(&p, why, sizeof why), 0);
}

static void test_required_fields(void)
{
    tachyon_plugin p = valid();

    p.name = "";
    CHECK(rejected_with(&p, "empty name or version"));
    p = valid();
    p.version = NULL;
    CHECK(rejected_with(&p, "empty name or version"));
    p = valid();
    p.on_sample = NULL;
    CHECK(rejected_with(&p, "lacks a required callback (on_sample)"));
    p = valid();
    p.destroy = NULL;
    CHECK(rejected_with(&p, "(destroy)"));
    p = valid();
    p.format_count = 0;
    CHECK(rejected_with(&p, "declares no output formats"));
}

static void test_formats(void)
{
    static const tachyon_format dup[] = {
        {sizeof(tachyon_format), 0, "a", "", NULL},
        {sizeof(tachyon_format), 0, "a", "", NULL},
    };
    static const tachyon_format short_size[] = {{8, 0, "a", "", NULL}};
    static const tachyon_format unnamed[] = {{sizeof(tachyon_format), 0, "", "", NULL}};
    /* What a plugin built against a later minor version would hand us:
     * each element is longer, so the host must step by struct_size. */
    struct format_v1_9 {
        tachyon_format f;
        uint64_t added_later[3];
    };
    static const struct format_v1_9 longer[] = {
        {{sizeof(struct format_v1_9), 0, "first", "", NULL}, {1, 2, 3}},
        {{sizeof(struct format_v1_9), 0, "second", "", NULL}, {4, 5, 6}},
    };
    tachyon_plugin p = valid();

    p.formats = dup;
    p.format_count = 2;
    CHECK(rejected_with(&p, "format \"a\" is declared twice"));
    p.formats = short_size;
    p.format_count = 1;
    CHECK(rejected_with(&p, "format descriptor struct_size is 8"));
    p.formats = unnamed;
    CHECK(rejected_with(&p, "format #0 has no name"));
    p.formats = &longer[0].f;
    p.format_count = 2;
    CHECK_INT(descriptor_check(&p, why, sizeof why), 0);
    CHECK_STR(descriptor_format(&p, 1)->name, "second");
}

static void test_options(void)
{
    static const tachyon_option bad_default[] = {
        {sizeof(tachyon_option), TACHYON_OPT_INT, "n", "ten", "", NULL},
    };
    static const tachyon_option no_choices[] = {
        {sizeof(tachyon_option), TACHYON_OPT_CHOICE, "c", NULL, "", NULL},
    };
    static const tachyon_option bad_type[] = {
        {sizeof(tachyon_option), 99, "t", NULL, "", NULL},
    };
    static const tachyon_option dotted[] = {
        {sizeof(tachyon_option), TACHYON_OPT_STRING, "a.b", NULL, "", NULL},
    };
    static const tachyon_option fine[] = {
        {sizeof(tachyon_option), TACHYON_OPT_CHOICE, "c", "b", "", "a|b"},
        {sizeof(tachyon_option), TACHYON_OPT_FLOAT, "f", "0.5", "", NULL},
    };
    tachyon_plugin p = valid();

    p.option_count = 1;
    p.options = NULL;
    CHECK(rejected_with(&p, "no option table"));
    p.options = bad_default;
    CHECK(rejected_with(&p, "default \"ten\", which is not a valid integer"));
    p.options = no_choices;
    CHECK(rejected_with(&p, "lists no choices"));
    p.options = bad_type;
    CHECK(rejected_with(&p, "unknown type 99"));
    p.options = dotted;
    CHECK(rejected_with(&p, "malformed name"));
    p.options = fine;
    p.option_count = 2;
    CHECK_INT(descriptor_check(&p, why, sizeof why), 0);
    CHECK(descriptor_find_option(&p, "f") == &fine[1]);
    CHECK(descriptor_find_option(&p, "zz") == NULL);
}

static void test_option_values(void)
{
    tachyon_option o = {sizeof o, TACHYON_OPT_INT, "n", NULL, "", NULL};
    int b = -1;

    CHECK(option_value_valid(&o, "-12"));
    CHECK(!option_value_valid(&o, "12x"));
    CHECK(!option_value_valid(&o, ""));
    CHECK(!option_value_valid(&o, "99999999999999999999999"));
    o.type = TACHYON_OPT_FLOAT;
    CHECK(option_value_valid(&o, "1e-3"));
    CHECK(!option_value_valid(&o, "nan"));
    CHECK(!option_value_valid(&o, "inf"));
    o.type = TACHYON_OPT_BOOL;
    CHECK(option_value_valid(&o, "Yes"));
    CHECK(!option_value_valid(&o, "maybe"));
    CHECK_INT(option_parse_bool("OFF", &b), 0);
    CHECK_INT(b, 0);
    o.type = TACHYON_OPT_CHOICE;
    o.choices = "svg|html";
    CHECK(option_value_valid(&o, "html"));
    CHECK(!option_value_valid(&o, "htm"));
    CHECK(!option_value_valid(&o, "svg|html"));
    CHECK(!option_value_valid(&o, ""));
}

int main(void)
{
    RUN(test_valid_descriptor);
    RUN(test_version_and_size);
    RUN(test_required_fields);
    RUN(test_formats);
    RUN(test_options);
    RUN(test_option_values);
    return check_summary();
}

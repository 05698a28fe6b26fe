/* Plugin option validation in plugin_session_create: unknown keys, wrong
 * types and choices are usage errors that name plugin, key, expected form
 * and origin; valid values reach the plugin through host->option. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "common/err.h"
#include "config/settings.h"
#include "intern/intern.h"
#include "plugin/session.h"

/* What the in-process plugin saw in create(). */
static char seen_limit[32], seen_verbose[32], seen_style[32], seen_ratio[32];
static int seen_unknown_is_null;
static int creates;

static void copy_opt(const tachyon_host *h, const char *key, char *dst, size_t n)
{
    const char *v = h->option(h, key);
    snprintf(dst, n, "%s", v ? v : "(null)");
}

static int p_create(const tachyon_host *h, const char *format, void **state)
{
    creates++;
    copy_opt(h, "limit", seen_limit, sizeof seen_limit);
    copy_opt(h, "verbose", seen_verbose, sizeof seen_verbose);
    copy_opt(h, "style", seen_style, sizeof seen_style);
    copy_opt(h, "ratio", seen_ratio, sizeof seen_ratio);
    seen_unknown_is_null = h->option(h, "nope") == NULL && h->option(h, NULL) == NULL;
    *state = NULL;
    return 0;
}
static int p_sample(void *s, const tachyon_sample *x) { return 0; }
static int p_finish(void *s, const tachyon_finish_info *i) { return 0; }
static void p_destroy(void *s) {}

static const tachyon_format formats[] = {{sizeof(tachyon_format), 0, "optfmt", "", NULL}};
static const tachyon_option options[] = {
    {sizeof(tachyon_option), TACHYON_OPT_INT, "limit", "10", "", NULL},
    {sizeof(tachyon_option), TACHYON_OPT_BOOL, "verbose", "no", "", NULL},
    {sizeof(tachyon_option), TACHYON_OPT_CHOICE, "style", "plain", "", "plain|fancy"},
    {sizeof(tachyon_option), TACHYON_OPT_FLOAT, "ratio", NULL, "", NULL},
};
static const tachyon_plugin plugin = {
    .struct_size = sizeof(tachyon_plugin), .abi_version = TACHYON_ABI_VERSION,
    .name = "optplug", .version = "1", .formats = formats, .format_count = 1,
    .options = options, .option_count = 4,
    .create = p_create, .on_sample = p_sample, .finish = p_finish, .destroy = p_destroy,
};
static const tachyon_plugin bare = {
    .struct_size = sizeof(tachyon_plugin), .abi_version = TACHYON_ABI_VERSION,
    .name = "bare", .version = "1", .formats = formats, .format_count = 1,
    .create = p_create, .on_sample = p_sample, .finish = p_finish, .destroy = p_destroy,
};

/* Create a session of desc with settings st; returns the create status. */
static int run(const tachyon_plugin *desc, const struct settings *st)
{
    struct plugin_entry entry;
    struct plugin_session_config cfg;
    struct plugin_session *ps = NULL;
    struct interner *in = NULL;
    tachyon_session sess;
    int rc;

    memset(&entry, 0, sizeof entry);
    entry.desc = desc;
    memset(&sess, 0, sizeof sess);
    sess.struct_size = sizeof sess;
    if (interner_create(&in) < 0)
        return -1000;
    memset(&cfg, 0, sizeof cfg);
    cfg.entry = &entry;
    cfg.format = &formats[0];
    cfg.session = &sess;
    cfg.interner = in;
    cfg.settings = st;
    diag_clear();
    rc = plugin_session_create(&cfg, &ps);
    plugin_session_destroy(ps);
    interner_destroy(in);
    return rc;
}

static int message_has(const char *a, const char *b, const char *c)
{
    const char *m = diag_message();
    int ok = strstr(m, a) && (!b || strstr(m, b)) && (!c || strstr(m, c));
    if (!ok)
        check_fail(__FILE__, __LINE__, "unexpected message: %s", m);
    return ok;
}

static void test_defaults(void)
{
    struct settings st;
    settings_init_defaults(&st);
    CHECK_INT(run(&plugin, &st), 0);
    CHECK_STR(seen_limit, "10");
    /* Booleans are canonical, defaults included. */
    CHECK_STR(seen_verbose, "false");
    CHECK_STR(seen_style, "plain");
    CHECK_STR(seen_ratio, "(null)");
    CHECK(seen_unknown_is_null);
    CHECK_INT(run(&plugin, NULL), 0);
    settings_free(&st);
}

static void test_valid_values(void)
{
    struct settings st;
    settings_init_defaults(&st);
    CHECK_INT(settings_set_plugin_opt(&st, "optplug", "limit", "-3", SRC_COMMAND_LINE,
                                      "command line"), 0);
    CHECK_INT(settings_set_plugin_opt(&st, "optplug", "verbose", "ON", SRC_USER_FILE,
                                      "/root/.config/tachyon.ini:4"), 0);
    CHECK_INT(settings_set_plugin_opt(&st, "optplug", "style", "fancy", SRC_COMMAND_LINE,
                                      "command line"), 0);
    CHECK_INT(settings_set_plugin_opt(&st, "optplug", "ratio", "0.25", SRC_COMMAND_LINE,
                                      "command line"), 0);
    /* Another plugin's options are not this plugin's business. */
    CHECK_INT(settings_set_plugin_opt(&st, "other", "whatever", "x", SRC_COMMAND_LINE,
                                      "command line"), 0);
    CHECK_INT(run(&plugin, &st), 0);
    CHECK_STR(seen_limit, "-3");
    CHECK_STR(seen_verbose, "true");
    CHECK_STR(seen_style, "fancy");
    CHECK_STR(seen_ratio, "0.25");
    settings_free(&st);
}

static void expect_usage(const char *key, const char *value, const char *origin,
                         const char *needle)
{
    struct settings st;
    int before = creates;

    settings_init_defaults(&st);
    CHECK_INT(settings_set_plugin_opt(&st, "optplug", key, value, SRC_SITE_FILE, origin), 0);
    CHECK_INT(run(&plugin, &st), ERR_USAGE);
    /* A bad option stops the run before the plugin is even created. */
    CHECK_INT(creates, before);
    message_has("plugin optplug", needle, origin);
    CHECK_INT(plugin_session_check_options(&plugin, &st), ERR_USAGE);
    settings_free(&st);
}

static void test_invalid_values(void)
{
    expect_usage("limt", "3", "/etc/tachyon.ini:12",
                 "unknown option \"limt\" (from /etc/tachyon.ini:12); known options: limit, "
                 "verbose, style, ratio");
    expect_usage("limit", "3.5", "/etc/tachyon.ini:7",
                 "option \"limit\" expects an integer, got \"3.5\"");
    expect_usage("verbose", "sometimes", "command line",
                 "option \"verbose\" expects true or false");
    expect_usage("style", "FANCY", "command line",
                 "option \"style\" expects one of plain|fancy, got \"FANCY\"");
    expect_usage("ratio", "half", "/etc/tachyon.ini:3", "option \"ratio\" expects a number");
}

static void test_plugin_without_options(void)
{
    struct settings st;
    settings_init_defaults(&st);
    CHECK_INT(settings_set_plugin_opt(&st, "bare", "x", "1", SRC_COMMAND_LINE, "command line"), 0);
    CHECK_INT(run(&bare, &st), ERR_USAGE);
    message_has("plugin bare: unknown option \"x\" (from command line); it takes no options", NULL,
                NULL);
    settings_free(&st);
}

int main(void)
{
    RUN(test_defaults);
    RUN(test_valid_values);
    RUN(test_invalid_values);
    RUN(test_plugin_without_options);
    return check_summary();
}

/* Value validation, --plugin-opt parsing, precedence between layers and the
 * `tachyon config` listing (core/config). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tachyon/plugin.h>

#include "check.h"
#include "common/err.h"
#include "config/config.h"
#include "config/config_priv.h"

static struct settings s;

static void fresh(void)
{
    settings_free(&s);
    settings_init_defaults(&s);
    diag_clear();
}

static void expect_invalid(enum setting_key key, const char *value, const char *expected_word)
{
    int rc = config_set(&s, key, value, SRC_COMMAND_LINE, "--opt");
    if (rc != ERR_INVALID) {
        check_fail(__FILE__, __LINE__, "%s='%s' accepted (rc %d)", config_key_name(key), value, rc);
        return;
    }
    /* The message names the origin, the key, the value and the form. */
    CHECK(strstr(diag_message(), "--opt") != NULL);
    CHECK(strstr(diag_message(), config_key_name(key)) != NULL);
    CHECK(strstr(diag_message(), value) != NULL);
    if (!strstr(diag_message(), expected_word))
        check_fail(__FILE__, __LINE__, "message '%s' lacks '%s'", diag_message(), expected_word);
}

static void test_interval(void)
{
    fresh();
    CHECK_INT(config_set(&s, KEY_INTERVAL, "250", SRC_COMMAND_LINE, "--interval"), 0);
    CHECK_INT(s.interval_us, 250);
    CHECK_INT(s.source[KEY_INTERVAL], SRC_COMMAND_LINE);
    CHECK_STR(s.origin[KEY_INTERVAL], "--interval");
    CHECK_INT(config_set(&s, KEY_INTERVAL, "3600000000", SRC_COMMAND_LINE, "x"), 0);
    expect_invalid(KEY_INTERVAL, "0", "microseconds");
    expect_invalid(KEY_INTERVAL, "-5", "microseconds");
    expect_invalid(KEY_INTERVAL, "abc", "microseconds");
    expect_invalid(KEY_INTERVAL, "1e3", "microseconds");
    expect_invalid(KEY_INTERVAL, "0x10", "microseconds");
    expect_invalid(KEY_INTERVAL, " 5", "microseconds");
    expect_invalid(KEY_INTERVAL, "", "microseconds");
    expect_invalid(KEY_INTERVAL, "3600000001", "microseconds");
    expect_invalid(KEY_INTERVAL, "99999999999999999999999", "microseconds");
    /* A rejected value leaves the previous one in place. */
    CHECK_INT(s.interval_us, 3600000000ULL);
}

static void test_duration(void)
{
    fresh();
    CHECK_INT(config_set(&s, KEY_DURATION, "2.5", SRC_COMMAND_LINE, "d"), 0);
    CHECK(s.duration_s == 2.5);
    CHECK_INT(config_set(&s, KEY_DURATION, "0", SRC_COMMAND_LINE, "d"), 0);
    CHECK(s.duration_s == 0);
    CHECK_INT(config_set(&s, KEY_DURATION, "10", SRC_COMMAND_LINE, "d"), 0);
    CHECK(s.duration_s == 10);
    CHECK_INT(config_set(&s, KEY_DURATION, ".5", SRC_COMMAND_LINE, "d"), 0);
    CHECK(s.duration_s == 0.5);
    expect_invalid(KEY_DURATION, "-1", "seconds");
    expect_invalid(KEY_DURATION, "inf", "seconds");
    expect_invalid(KEY_DURATION, "nan", "seconds");
    expect_invalid(KEY_DURATION, "1e3", "seconds");
    expect_invalid(KEY_DURATION, "2.", "seconds");
    expect_invalid(KEY_DURATION, ".", "seconds");
    expect_invalid(KEY_DURATION, "5s", "seconds");
    expect_invalid(KEY_DURATION, "10000000000", "seconds");
}

static void test_booleans_and_choices(void)
{
    static const char *const yes[] = { "true", "YES", "on", "1", "True" };
    static const char *const no[] = { "false", "no", "OFF", "0" };
    size_t i;

    fresh();
    CHECK_INT(s.gc, 1);
    for (i = 0; i < sizeof no / sizeof no[0]; i++) {
        CHECK_INT(config_set(&s, KEY_GC, no[i], SRC_COMMAND_LINE, "g"), 0);
        CHECK_INT(s.gc, 0);
    }
    for (i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        CHECK_INT(config_set(&s, KEY_NATIVE, yes[i], SRC_COMMAND_LINE, "n"), 0);
        CHECK_INT(s.native, 1);
    }
    expect_invalid(KEY_ALL_THREADS, "maybe", "boolean");
    expect_invalid(KEY_REALTIME_STATS, "2", "boolean");
    expect_invalid(KEY_OPCODES, "", "boolean");

    CHECK_INT(config_set(&s, KEY_MODE, "cpu", SRC_COMMAND_LINE, "m"), 0);
    CHECK_INT(s.mode, TACHYON_MODE_CPU);
    CHECK_INT(config_set(&s, KEY_MODE, "exception", SRC_COMMAND_LINE, "m"), 0);
    CHECK_INT(s.mode, TACHYON_MODE_EXCEPTION);
    CHECK_INT(config_set(&s, KEY_MODE, "gil", SRC_COMMAND_LINE, "m"), 0);
    CHECK_INT(s.mode, TACHYON_MODE_GIL);
    expect_invalid(KEY_MODE, "all", "wall, cpu, gil, exception");
    expect_invalid(KEY_MODE, "walls", "wall, cpu, gil, exception");

    CHECK_INT(config_set(&s, KEY_ASYNC_MODE, "all", SRC_COMMAND_LINE, "a"), 0);
    CHECK_INT(s.async_all, 1);
    CHECK_INT(config_set(&s, KEY_ASYNC_MODE, "running", SRC_COMMAND_LINE, "a"), 0);
    CHECK_INT(s.async_all, 0);
    expect_invalid(KEY_ASYNC_MODE, "some", "running, all");

    CHECK_INT(config_set(&s, KEY_FORMAT, "my-fmt_2", SRC_COMMAND_LINE, "f"), 0);
    CHECK_STR(s.format, "my-fmt_2");
    expect_invalid(KEY_FORMAT, "two words", "format name");
    expect_invalid(KEY_FORMAT, "../evil", "format name");

    CHECK_INT(config_set(&s, KEY_OUTPUT, "out dir/prof.txt", SRC_COMMAND_LINE, "o"), 0);
    CHECK_STR(s.output, "out dir/prof.txt");
    /* An empty string means "back to the built-in choice". */
    CHECK_INT(config_set(&s, KEY_OUTPUT, "", SRC_COMMAND_LINE, "o"), 0);
    CHECK(s.output == NULL);
}

static void test_precedence(void)
{
    fresh();
    CHECK_INT(config_set(&s, KEY_INTERVAL, "500", SRC_COMMAND_LINE, "--interval"), 0);
    /* A file read later must not override the command line... */
    CHECK_INT(config_set(&s, KEY_INTERVAL, "200", SRC_SITE_FILE, "/etc/tachyon.ini:2"), 0);
    CHECK_INT(s.interval_us, 500);
    CHECK_INT(s.source[KEY_INTERVAL], SRC_COMMAND_LINE);
    /* ...but its bad values are still reported. */
    CHECK_INT(config_set(&s, KEY_INTERVAL, "x", SRC_SITE_FILE, "/etc/tachyon.ini:2"), ERR_INVALID);
    CHECK(strstr(diag_message(), "/etc/tachyon.ini:2") != NULL);

    CHECK_INT(config_set(&s, KEY_MODE, "cpu", SRC_SITE_FILE, "site:1"), 0);
    CHECK_INT(config_set(&s, KEY_MODE, "gil", SRC_USER_FILE, "user:1"), 0);
    CHECK_INT(s.mode, TACHYON_MODE_GIL);
    CHECK_STR(s.origin[KEY_MODE], "user:1");
}

static const struct plugin_opt *find_opt(const char *plugin, const char *key)
{
    size_t i;
    for (i = 0; i < s.n_plugin_opts; i++)
        if (strcmp(s.plugin_opts[i].plugin, plugin) == 0 && strcmp(s.plugin_opts[i].key, key) == 0)
            return &s.plugin_opts[i];
    return NULL;
}

static void test_plugin_opt(void)
{
    static const char *const bad[] = { "x=5", "x.y", ".y=1", "x.=1", "a b.c=1", "a.b c=1", "", "=" };
    const struct plugin_opt *o;
    size_t i;

    fresh();
    CHECK_INT(config_parse_plugin_opt(&s, "topn.n=5"), 0);
    o = find_opt("topn", "n");
    CHECK(o != NULL);
    if (o) {
        CHECK_STR(o->value, "5");
        CHECK_INT(o->source, SRC_COMMAND_LINE);
    }
    CHECK_INT(config_parse_plugin_opt(&s, "TopN.Sort=total"), 0);
    CHECK(find_opt("topn", "sort") != NULL);
    CHECK_INT(config_parse_plugin_opt(&s, "a.b=c=d"), 0);
    o = find_opt("a", "b");
    CHECK(o && strcmp(o->value, "c=d") == 0);
    CHECK_INT(config_parse_plugin_opt(&s, "a.empty="), 0);
    o = find_opt("a", "empty");
    CHECK(o && o->value[0] == '\0');
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (config_parse_plugin_opt(&s, bad[i]) != ERR_INVALID)
            check_fail(__FILE__, __LINE__, "--plugin-opt '%s' accepted", bad[i]);
        else
            CHECK(strstr(diag_message(), "--plugin-opt") != NULL);
    }
    /* The command line keeps its value against a file read afterwards. */
    CHECK_INT(config_store_plugin_opt(&s, "topn", "n", "9", SRC_SITE_FILE, "/etc/tachyon.ini:4"), 0);
    o = find_opt("topn", "n");
    CHECK(o && strcmp(o->value, "5") == 0 && o->source == SRC_COMMAND_LINE);
    CHECK_INT(config_store_plugin_opt(&s, "topn", "depth", "3", SRC_SITE_FILE, "/etc/tachyon.ini:5"), 0);
    o = find_opt("topn", "depth");
    CHECK(o && strcmp(o->origin, "/etc/tachyon.ini:5") == 0);
}

static char *print_to_string(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    if (!f)
        return NULL;
    CHECK_INT(config_print(f, &s), 0);
    fclose(f);
    return buf;
}

static void test_print(void)
{
    char *text;

    fresh();
    CHECK_INT(config_set(&s, KEY_INTERVAL, "250", SRC_COMMAND_LINE, "--interval"), 0);
    CHECK_INT(config_set(&s, KEY_MODE, "cpu", SRC_SITE_FILE, "/etc/tachyon.ini:3"), 0);
    CHECK_INT(config_set(&s, KEY_OUTPUT, "a;b.txt", SRC_USER_FILE, "/home/u/.config/tachyon/tachyon.ini:9"), 0);
    CHECK_INT(config_parse_plugin_opt(&s, "topn.n=7"), 0);
    text = print_to_string();
    CHECK(text != NULL);
    if (!text)
        return;
    CHECK(strstr(text, "[sampling]\n") != NULL);
    CHECK(strstr(text, "interval = 250") != NULL);
    CHECK(strstr(text, "; command line (--interval)") != NULL);
    CHECK(strstr(text, "mode = cpu") != NULL);
    CHECK(strstr(text, "; site file /etc/tachyon.ini:3") != NULL);
    CHECK(strstr(text, "gc = true") != NULL);
    CHECK(strstr(text, "duration = 0") != NULL);
    CHECK(strstr(text, "format = pstats") != NULL);
    /* ';' would start a comment, so the value is quoted. */
    CHECK(strstr(text, "output = \"a;b.txt\"") != NULL);
    CHECK(strstr(text, "; user file /home/u/.config/tachyon/tachyon.ini:9") != NULL);
    CHECK(strstr(text, "[plugin.topn]\nn = 7") != NULL);
    CHECK(strstr(text, "python = ") != NULL);
    free(text);
}

int main(void)
{
    RUN(test_interval);
    RUN(test_duration);
    RUN(test_booleans_and_choices);
    RUN(test_precedence);
    RUN(test_plugin_opt);
    RUN(test_print);
    settings_free(&s);
    return check_summary();
}

/* Reading tachyon.ini files: layering, error messages with file and line,
 * privilege rules (core/config). Files live in a fresh directory under
 * /tmp that is removed at the end. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tachyon/plugin.h>

#include "check.h"
#include "common/err.h"
#include "config/config.h"

static struct settings s;
static char g_dir[64];
static char g_path[256];

static const char *path_in(const char *name)
{
    snprintf(g_path, sizeof g_path, "%s/%s", g_dir, name);
    return g_path;
}

/* Writes text to DIR/name and returns the full path (static buffer). */
static const char *write_file(const char *name, const char *text)
{
    const char *p = path_in(name);
    FILE *f = fopen(p, "w");

    if (!f) {
        check_fail(__FILE__, __LINE__, "cannot create %s", p);
        return p;
    }
    fputs(text, f);
    fclose(f);
    chmod(p, 0644);
    return p;
}

static void fresh(void)
{
    settings_free(&s);
    settings_init_defaults(&s);
    diag_clear();
    unsetenv("TACHYON_CONFIG");
    unsetenv("XDG_CONFIG_HOME");
}

static int load(const char *site, const char *explicit_file, int use_env, int secure)
{
    struct config_request rq = { 0 };
    rq.site_file = site;
    rq.explicit_file = explicit_file;
    rq.use_environment = use_env;
    rq.assume_secure = secure;
    return config_load(&s, &rq);
}

#define CHECK_MSG(...)                                                          \
    do {                                                                        \
        const char *subs_[] = { __VA_ARGS__ };                                  \
        size_t i_;                                                              \
        for (i_ = 0; i_ < sizeof subs_ / sizeof subs_[0]; i_++)                 \
            if (!strstr(diag_message(), subs_[i_]))                             \
                check_fail(__FILE__, __LINE__, "message '%s' lacks '%s'",       \
                           diag_message(), subs_[i_]);                          \
    } while (0)

static const struct plugin_opt *find_opt(const char *plugin, const char *key)
{
    size_t i;
    for (i = 0; i < s.n_plugin_opts; i++)
        if (strcmp(s.plugin_opts[i].plugin, plugin) == 0 && strcmp(s.plugin_opts[i].key, key) == 0)
            return &s.plugin_opts[i];
    return NULL;
}

static void test_every_key(void)
{
    const char *p;
    char origin[300];
    const struct plugin_opt *o;

    fresh();
    p = write_file("all.ini",
                   "# every key once\n"
                   "[sampling]\n"
                   "interval = 250\n"
                   "duration = 1.5\n"
                   "all_threads = yes\n"
                   "mode = cpu\n"
                   "native = on\n"
                   "gc = false\n"
                   "opcodes = 1\n"
                   "async_aware = true\n"
                   "async_mode = all\n"
                   "realtime_stats = no\n"
                   "\n"
                   "; output section\n"
                   "[output]\n"
                   "format = collapsed\n"
                   "output = \"my; file.txt\"   ; quoted\n"
                   "[run]\n"
                   "python = /usr/bin/python3.11\n"
                   "[plugins]\n"
                   "path = /opt/a:/opt/b\n"
                   "[plugin.TopN]\n"
                   "N = 5\n"
                   "sort = total\n");
    CHECK_INT(load(p, NULL, 0, 0), 0);
    CHECK_INT(s.interval_us, 250);
    CHECK(s.duration_s == 1.5);
    CHECK_INT(s.all_threads, 1);
    CHECK_INT(s.mode, TACHYON_MODE_CPU);
    CHECK_INT(s.native, 1);
    CHECK_INT(s.gc, 0);
    CHECK_INT(s.opcodes, 1);
    CHECK_INT(s.async_aware, 1);
    CHECK_INT(s.async_all, 1);
    CHECK_INT(s.realtime_stats, 0);
    CHECK_STR(s.format, "collapsed");
    CHECK_STR(s.output, "my; file.txt");
    CHECK_STR(s.python, "/usr/bin/python3.11");
    CHECK_STR(s.plugin_path, "/opt/a:/opt/b");
    CHECK_INT(s.source[KEY_MODE], SRC_SITE_FILE);
    snprintf(origin, sizeof origin, "%s:6", p);
    CHECK_STR(s.origin[KEY_MODE], origin);
    snprintf(origin, sizeof origin, "%s:21", p);
    CHECK_STR(s.origin[KEY_PLUGIN_PATH], origin);
    o = find_opt("topn", "n");
    CHECK(o != NULL);
    if (o) {
        CHECK_STR(o->value, "5");
        CHECK_INT(o->source, SRC_SITE_FILE);
        snprintf(origin, sizeof origin, "%s:23", p);
        CHECK_STR(o->origin, origin);
    }
    CHECK(find_opt("topn", "sort") != NULL);
}

static void expect_error(const char *text, int code, const char *line_tag, const char *what)
{
    const char *p;
    char where[300];

    fresh();
    p = write_file("bad.ini", text);
    snprintf(where, sizeof where, "%s%s", p, line_tag);
    if (load(p, NULL, 0, 0) != code) {
        check_fail(__FILE__, __LINE__, "'%s' not rejected with %d", text, code);
        return;
    }
    CHECK_MSG(where, what);
}

static void test_errors(void)
{
    expect_error("[sampling]\ninterval = 100\n[samplign]\nmode = cpu\n", ERR_INVALID, ":3:",
                 "unknown section [samplign]");
    expect_error("[sampling]\n\nbogus = 1\n", ERR_INVALID, ":3:", "unknown key 'bogus' in [sampling]");
    expect_error("[sampling]\ninterval = 10ms\n", ERR_INVALID, ":2:",
                 "sampling.interval");
    expect_error("[sampling]\ninterval = 10ms\n", ERR_INVALID, ":2:", "microseconds");
    expect_error("[output]\nformat = a b\n", ERR_INVALID, ":2:", "output.format");
    expect_error("[sampling]\nmode = fast\n", ERR_INVALID, ":2:", "wall, cpu, gil, exception");
    expect_error("[sampling]\ngc\n", ERR_INVALID, ":2:", "syntax error");
    expect_error("[sampling\ngc = 1\n", ERR_INVALID, ":1:", "syntax error");
    expect_error("[sampling]\n= 1\n", ERR_INVALID, ":2:", "syntax error");
    expect_error("interval = 100\n[sampling]\n", ERR_INVALID, ":1:", "outside any section");
    expect_error("[sampling]\ngc = 1\nmode = cpu\nGC = 0\n", ERR_INVALID, ":4:", "already set on line 2");
    expect_error("[plugin.]\nn = 1\n", ERR_INVALID, ":1:", "bad plugin section");
    expect_error("[plugin.a b]\nn = 1\n", ERR_INVALID, ":1:", "bad plugin section");
    expect_error("[plugin.topn]\nmax depth = 1\n", ERR_INVALID, ":2:", "bad option name");
    expect_error("[]\n", ERR_INVALID, ":1:", "empty section");
    /* An unknown section with no keys is still reported. */
    expect_error("[sampling]\ngc = 1\n[extra]\n", ERR_INVALID, ":3:", "unknown section [extra]");
}

static void test_syntax_variants(void)
{
    const char *p;
    static const char nul_text[] = "[sampling]\ngc = 1\0\n";
    int fd;

    /* CRLF line ends and a continuation line parse as iniparser reads them. */
    fresh();
    p = write_file("crlf.ini", "[sampling]\r\nmode = gil\r\n[run]\r\npython = /usr/bin/\\\npython3\r\n"
                               "[output]\r\nformat = pstats\r\n");
    CHECK_INT(load(p, NULL, 0, 0), 0);
    CHECK_INT(s.mode, TACHYON_MODE_GIL);
    CHECK_STR(s.python, "/usr/bin/python3");
    CHECK_STR(s.format, "pstats");

    fresh();
    p = path_in("nul.ini");
    fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    if (fd >= 0) {
        CHECK_INT(write(fd, nul_text, sizeof nul_text - 1), (long long)(sizeof nul_text - 1));
        close(fd);
    }
    CHECK_INT(load(p, NULL, 0, 0), ERR_INVALID);
    CHECK_MSG("nul.ini:2", "NUL");

    /* A directory is not a configuration file. */
    fresh();
    CHECK_INT(load(g_dir, NULL, 0, 0), ERR_INVALID);
    CHECK_MSG("not a regular file");
}

static void test_layers(void)
{
    char xdg[128], user_dir[160];
    const char *site_p;
    char site[256], env_file[256], explicit_file[256];

    fresh();
    snprintf(site, sizeof site, "%s", write_file("site.ini",
             "[sampling]\ninterval = 111\nmode = cpu\ngc = false\nnative = yes\n"));
    snprintf(xdg, sizeof xdg, "%s/xdg", g_dir);
    snprintf(user_dir, sizeof user_dir, "%s/tachyon", xdg);
    mkdir(xdg, 0755);
    mkdir(user_dir, 0755);
    write_file("xdg/tachyon/tachyon.ini", "[sampling]\ninterval = 222\nmode = gil\n[plugin.topn]\nn = 3\n");
    snprintf(env_file, sizeof env_file, "%s", write_file("env.ini", "[sampling]\ninterval = 333\n"));
    snprintf(explicit_file, sizeof explicit_file, "%s",
             write_file("explicit.ini", "[sampling]\nall_threads = on\n"));
    site_p = site;

    /* Without the environment: only the site file. */
    setenv("XDG_CONFIG_HOME", xdg, 1);
    setenv("TACHYON_CONFIG", env_file, 1);
    CHECK_INT(load(site_p, NULL, 0, 0), 0);
    CHECK_INT(s.interval_us, 111);
    CHECK_INT(s.mode, TACHYON_MODE_CPU);

    /* Site, then user, then TACHYON_CONFIG. */
    settings_free(&s);
    settings_init_defaults(&s);
    CHECK_INT(load(site_p, NULL, 1, 0), 0);
    CHECK_INT(s.interval_us, 333);
    CHECK_INT(s.source[KEY_INTERVAL], SRC_EXPLICIT_FILE);
    CHECK_INT(s.mode, TACHYON_MODE_GIL);
    CHECK_INT(s.source[KEY_MODE], SRC_USER_FILE);
    CHECK_INT(s.gc, 0);
    CHECK_INT(s.source[KEY_GC], SRC_SITE_FILE);
    CHECK(find_opt("topn", "n") != NULL);

    /* --config replaces TACHYON_CONFIG. */
    settings_free(&s);
    settings_init_defaults(&s);
    CHECK_INT(load(site_p, explicit_file, 1, 0), 0);
    CHECK_INT(s.interval_us, 222);
    CHECK_INT(s.all_threads, 1);
    CHECK_INT(s.source[KEY_ALL_THREADS], SRC_EXPLICIT_FILE);

    /* Elevated privileges: user file and TACHYON_CONFIG are ignored... */
    settings_free(&s);
    settings_init_defaults(&s);
    CHECK_INT(load(site_p, NULL, 1, 1), 0);
    CHECK_INT(s.interval_us, 111);
    CHECK(find_opt("topn", "n") == NULL);
    /* ...and --config is refused, saying why. */
    settings_free(&s);
    settings_init_defaults(&s);
    CHECK_INT(load(site_p, explicit_file, 1, 1), ERR_PERM);
    CHECK_MSG("--config", "privileges");

    /* Missing optional files are fine; a missing explicit one is not. */
    fresh();
    setenv("XDG_CONFIG_HOME", g_dir, 1);
    CHECK_INT(load(path_in("none.ini"), NULL, 1, 0), 0);
    CHECK_INT(load(path_in("none.ini"), path_in("none.ini"), 1, 0), ERR_IO);
    CHECK_MSG("none.ini", "--config");
    setenv("TACHYON_CONFIG", path_in("none2.ini"), 1);
    CHECK_INT(load(path_in("none.ini"), NULL, 1, 0), ERR_IO);
    CHECK_MSG("none2.ini", "TACHYON_CONFIG");
    /* An error in a later layer is reported even if it sets nothing new. */
    fresh();
    setenv("TACHYON_CONFIG", write_file("bad-env.ini", "[sampling]\ninterval = 0\n"), 1);
    CHECK_INT(load(site_p, NULL, 1, 0), ERR_INVALID);
    CHECK_MSG("bad-env.ini:2", "sampling.interval");
    fresh();
}

static void test_root_safety(void)
{
    const char *p;
    char sub[128];

    fresh();
    p = write_file("shared.ini", "[sampling]\ngc = 0\n");
    chmod(p, 0666);
    if (geteuid() != 0) {
        /* Only root refuses files others can write. */
        CHECK_INT(load(p, NULL, 0, 0), 0);
        return;
    }
    CHECK_INT(load(p, NULL, 0, 0), ERR_PERM);
    CHECK_MSG("shared.ini", "root", "writable", "0666");
    chmod(p, 0664);
    CHECK_INT(load(p, NULL, 0, 0), 0);          /* group root may write */
    CHECK(chown(p, 0, 65534) == 0);
    CHECK_INT(load(p, NULL, 0, 0), ERR_PERM);   /* group nogroup may not */
    CHECK(chown(p, 65534, 0) == 0);
    chmod(p, 0644);
    CHECK_INT(load(p, NULL, 0, 0), ERR_PERM);
    CHECK_MSG("owned by uid 65534");
    CHECK(chown(p, 0, 0) == 0);
    CHECK_INT(load(p, NULL, 0, 0), 0);

    /* A directory anyone can write lets them swap the file. */
    snprintf(sub, sizeof sub, "%s/open", g_dir);
    mkdir(sub, 0755);
    chmod(sub, 0777);
    p = write_file("open/t.ini", "[sampling]\ngc = 0\n");
    CHECK_INT(load(p, NULL, 0, 0), ERR_PERM);
    CHECK_MSG("parent directory", "open");
    /* With the sticky bit (as /tmp) only owners may replace files. */
    chmod(sub, 01777);
    CHECK_INT(load(p, NULL, 0, 0), 0);
}

static void cleanup(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", g_dir);
}

int main(void)
{
    snprintf(g_dir, sizeof g_dir, "/tmp/tachyon-config-test-XXXXXX");
    if (!mkdtemp(g_dir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_every_key);
    RUN(test_errors);
    RUN(test_syntax_variants);
    RUN(test_layers);
    RUN(test_root_safety);
    settings_free(&s);
    cleanup();
    return check_summary();
}

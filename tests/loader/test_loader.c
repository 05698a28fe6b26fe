/* Loader tests against the fixture plugins of this directory: every broken
 * plugin is rejected with a message naming its file, the good one loads,
 * failing callbacks are contained and reported, shadowing works, and a
 * root tachyon refuses plugins others could have tampered with. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "common/err.h"
#include "config/settings.h"
#include "intern/intern.h"
#include "plugin/registry.h"
#include "plugin/session.h"

static const struct plugin_entry *entry_for(const struct plugin_registry *reg, const char *file)
{
    size_t flen = strlen(file);
    for (size_t i = 0; i < reg->count; i++) {
        const char *p = reg->entries[i].path;
        size_t plen = strlen(p);
        if (plen >= flen + 1 && strcmp(p + plen - flen, file) == 0 && p[plen - flen - 1] == '/')
            return &reg->entries[i];
    }
    return NULL;
}

static int discover(const char *const *paths, size_t n, struct plugin_registry *reg)
{
    struct discovery_opts o;
    memset(&o, 0, sizeof o);
    o.explicit_paths = paths;
    o.n_explicit = n;
    o.skip_builtin_dirs = 1;
    return registry_discover(&o, reg);
}

static void check_rejected(const struct plugin_registry *reg, const char *file, const char *needle)
{
    const struct plugin_entry *e = entry_for(reg, file);
    CHECK(e != NULL);
    if (!e)
        return;
    CHECK(e->desc == NULL);
    CHECK(e->reason != NULL);
    if (!e->reason)
        return;
    if (!strstr(e->reason, e->path) || !strstr(e->reason, needle))
        check_fail(__FILE__, __LINE__, "reason for %s: \"%s\" lacks the path or \"%s\"", file,
                   e->reason, needle);
}

static void test_rejection_matrix(void)
{
    static const char *const dir[] = {LOADER_PLUGIN_DIR};
    struct plugin_registry reg;
    const tachyon_format *fmt = NULL;
    const struct plugin_entry *good;

    CHECK_INT(discover(dir, 1, &reg), 0);
    check_rejected(&reg, "noentry.so", "no tachyon_plugin_entry_v1 symbol");
    check_rejected(&reg, "bad.so", "bad.so");
    check_rejected(&reg, "abi2.so", "built for plugin ABI 2, this tachyon speaks ABI 1");
    check_rejected(&reg, "small.so", "smaller than the");
    good = entry_for(&reg, "good.so");
    CHECK(good && good->desc && !good->shadowed);
    CHECK(registry_find_format(&reg, "loadergood", &fmt) == good);
    CHECK(fmt && strcmp(fmt->name, "loadergood") == 0);
    CHECK(registry_find_format(&reg, "abi2", &fmt) == NULL);
    CHECK(fmt == NULL);
    /* Failing at run time is not a reason to refuse loading. */
    CHECK(entry_for(&reg, "createfail.so") && entry_for(&reg, "createfail.so")->desc);
    CHECK(entry_for(&reg, "samplefail.so") && entry_for(&reg, "samplefail.so")->desc);
    registry_free(&reg);
    CHECK_INT(reg.count, 0);
}

static void test_listing(void)
{
    static const char *const dir[] = {LOADER_PLUGIN_DIR};
    struct plugin_registry reg;
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);

    CHECK(fp != NULL);
    CHECK_INT(discover(dir, 1, &reg), 0);
    registry_print(&reg, fp);
    fclose(fp);
    {
        char want[64];
        /* The fixture is built against the current header's minor. */
        snprintf(want, sizeof want, "loadergood 1.0 (ABI %d.%d)", TACHYON_ABI_VERSION, TACHYON_ABI_MINOR);
        CHECK(strstr(text, want) != NULL);
    }
    CHECK(strstr(text, LOADER_PLUGIN_DIR "/good.so") != NULL);
    CHECK(strstr(text, "Fixture: a text summary of the samples") != NULL);
    CHECK(strstr(text, "loadergood.style (choice: plain|fancy, default plain)") != NULL);
    CHECK(strstr(text, "Rejected (4):") != NULL);
    CHECK(strstr(text, LOADER_PLUGIN_DIR "/abi2.so: built for plugin ABI 2") != NULL);
    free(text);
    registry_free(&reg);
}

static char *make_tmpdir(void)
{
    char templ[] = "/tmp/tachyon-loader-XXXXXX";
    char *d = mkdtemp(templ);
    return d ? strdup(d) : NULL;
}

static int copy_file(const char *from, const char *to, mode_t mode)
{
    char buf[65536];
    ssize_t n;
    int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, mode), rc = 0;

    if (in < 0 || out < 0)
        rc = -1;
    while (rc == 0 && (n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)n) != n)
            rc = -1;
    if (in >= 0)
        close(in);
    if (out >= 0)
        close(out);
    /* open() applies the umask; the tests need the exact mode. */
    return rc == 0 ? chmod(to, mode) : rc;
}

static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char path[512];

    while (d && (de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        unlink(path);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

static void test_shadowing(void)
{
    char *tmp = make_tmpdir();
    char copy[512];
    const char *paths[2];
    struct plugin_registry reg;
    const struct plugin_entry *first, *second;

    CHECK(tmp != NULL);
    if (!tmp)
        return;
    snprintf(copy, sizeof copy, "%s/good-copy.so", tmp);
    CHECK_INT(copy_file(LOADER_PLUGIN_DIR "/good.so", copy, 0755), 0);
    paths[0] = LOADER_PLUGIN_DIR "/good.so";
    paths[1] = tmp;
    CHECK_INT(discover(paths, 2, &reg), 0);
    first = entry_for(&reg, "good.so");
    second = entry_for(&reg, "good-copy.so");
    CHECK(first && first->desc && !first->shadowed);
    CHECK(second && second->desc && second->shadowed);
    CHECK(registry_find_format(&reg, "loadergood", NULL) == first);
    registry_free(&reg);

    /* The same file reached twice is one candidate, not a shadow of itself. */
    paths[1] = LOADER_PLUGIN_DIR;
    CHECK_INT(discover(paths, 2, &reg), 0);
    CHECK(entry_for(&reg, "good.so") != NULL);
    for (size_t i = 0; i < reg.count; i++)
        CHECK(!reg.entries[i].shadowed);
    registry_free(&reg);
    remove_tree(tmp);
    free(tmp);
}

static void test_root_refusal(void)
{
    char *tmp = make_tmpdir();
    char copy[512];
    const char *paths[1];
    struct plugin_registry reg;
    const struct plugin_entry *e;

    CHECK(tmp != NULL);
    if (!tmp)
        return;
    snprintf(copy, sizeof copy, "%s/writable.so", tmp);
    CHECK_INT(copy_file(LOADER_PLUGIN_DIR "/good.so", copy, 0757), 0);
    paths[0] = copy;
    CHECK_INT(discover(paths, 1, &reg), 0);
    e = entry_for(&reg, "writable.so");
    CHECK(e != NULL);
    if (e && geteuid() == 0) {
        CHECK(e->desc == NULL);
        CHECK(e->reason && strstr(e->reason, copy) && strstr(e->reason, "writable by others"));
    } else if (e) {
        /* An ordinary user may load what they could run anyway. */
        CHECK(e->desc != NULL);
    }
    registry_free(&reg);

    /* A group-writable directory taints everything in it. */
    CHECK_INT(chmod(copy, 0755), 0);
    CHECK_INT(chmod(tmp, 0775), 0);
    paths[0] = tmp;
    CHECK_INT(discover(paths, 1, &reg), 0);
    if (geteuid() == 0) {
        CHECK_INT(reg.count, 1);
        CHECK(reg.count == 1 && !reg.entries[0].desc && reg.entries[0].reason &&
              strstr(reg.entries[0].reason, "writable by its group"));
    }
    registry_free(&reg);

    /* Owned by someone else: refused even with safe permissions. */
    CHECK_INT(chmod(tmp, 0700), 0);
    if (geteuid() == 0) {
        CHECK_INT(chown(copy, 12345, 12345), 0);
        paths[0] = copy;
        CHECK_INT(discover(paths, 1, &reg), 0);
        e = entry_for(&reg, "writable.so");
        CHECK(e && !e->desc && e->reason && strstr(e->reason, "owned by uid 12345"));
        registry_free(&reg);
    }

    /* A named file inherits the risk of a writable directory around it. */
    if (geteuid() == 0) {
        CHECK_INT(chown(copy, 0, 0), 0);
        CHECK_INT(chmod(copy, 0755), 0);
        CHECK_INT(chmod(tmp, 0777), 0);
        CHECK_INT(discover(paths, 1, &reg), 0);
        e = entry_for(&reg, "writable.so");
        CHECK(e && !e->desc && e->reason && strstr(e->reason, "directory ") &&
              strstr(e->reason, "is writable by others (mode 0777)"));
        registry_free(&reg);
    }
    remove_tree(tmp);
    free(tmp);
}

/* Run the probe with TACHYON_PLUGIN_PATH pointing at the fixtures and
 * return its output (malloc'ed), or NULL. */
static char *run_probe(const char *probe)
{
    char cmd[1024], *text = NULL;
    size_t len = 0, n;
    char buf[4096];
    FILE *p, *mem = open_memstream(&text, &len);

    if (!mem)
        return NULL;
    snprintf(cmd, sizeof cmd, "TACHYON_PLUGIN_PATH=%s %s %s 2>&1",
             LOADER_PLUGIN_DIR, probe, LOADER_PLUGIN_DIR);
    p = popen(cmd, "r");
    while (p && (n = fread(buf, 1, sizeof buf, p)) > 0)
        fwrite(buf, 1, n, mem);
    if (p)
        pclose(p);
    fclose(mem);
    return text;
}

static void test_secure_execution(void)
{
    char dir[512], probe[600];
    char *out = run_probe(LOADER_SECURE_PROBE);

    /* Run plainly, even as root, every location is honoured. */
    CHECK(out && strstr(out, "secure=0") && strstr(out, "loadergood 1.0"));
    free(out);
    if (geteuid() != 0)
        return;

    /* A copy setuid to "nobody", started by root, runs in secure-execution
     * mode (AT_SECURE): the caller's locations must all be ignored. */
    snprintf(dir, sizeof dir, "%s/secure-XXXXXX", LOADER_WORK_DIR);
    CHECK(mkdtemp(dir) != NULL);
    CHECK_INT(chmod(dir, 0755), 0);
    snprintf(probe, sizeof probe, "%s/probe", dir);
    CHECK_INT(copy_file(LOADER_SECURE_PROBE, probe, 0755), 0);
    CHECK_INT(chown(probe, 65534, 65534), 0);
    CHECK_INT(chmod(probe, 04755), 0);
    out = run_probe(probe);
    CHECK(out != NULL);
    if (out && !(strstr(out, "secure=1") &&
                 strstr(out, "TACHYON_PLUGIN_PATH ignored in secure-execution mode") &&
                 strstr(out, "explicit plugin paths ignored") &&
                 strstr(out, "configured plugin path ignored") && !strstr(out, "loadergood")))
        check_fail(__FILE__, __LINE__, "secure-mode probe output:\n%s", out);
    free(out);
    remove_tree(dir);
}

struct fixture_run {
    struct plugin_registry reg;
    struct interner *in;
    struct settings st;
    tachyon_session sess;
    tachyon_stats stats;
    struct plugin_session *ps;
    char *tmp;
    char out[512];
};

static int start(struct fixture_run *r, const char *format)
{
    static const char *const dir[] = {LOADER_PLUGIN_DIR};
    struct plugin_session_config cfg;
    const tachyon_format *fmt = NULL;
    const struct plugin_entry *e;

    memset(r, 0, sizeof *r);
    settings_init_defaults(&r->st);
    r->tmp = make_tmpdir();
    snprintf(r->out, sizeof r->out, "%s/report.txt", r->tmp ? r->tmp : "/nonexistent");
    if (discover(dir, 1, &r->reg) < 0 || interner_create(&r->in) < 0)
        return -1;
    e = registry_find_format(&r->reg, format, &fmt);
    if (!e)
        return -1;
    r->sess.struct_size = sizeof r->sess;
    r->sess.output_path = r->out;
    r->stats.struct_size = sizeof r->stats;
    memset(&cfg, 0, sizeof cfg);
    cfg.entry = e;
    cfg.format = fmt;
    cfg.session = &r->sess;
    cfg.interner = r->in;
    cfg.settings = &r->st;
    cfg.stats = &r->stats;
    return plugin_session_create(&cfg, &r->ps);
}

static int dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0;
    while (d && (de = readdir(d)) != NULL)
        if (de->d_name[0] != '.')
            n++;
    if (d)
        closedir(d);
    return n;
}

static void stop(struct fixture_run *r)
{
    plugin_session_destroy(r->ps);
    interner_destroy(r->in);
    registry_free(&r->reg);
    settings_free(&r->st);
    if (r->tmp)
        remove_tree(r->tmp);
    free(r->tmp);
}

static void test_create_failure(void)
{
    struct fixture_run r;
    int rc = start(&r, "createfail");

    CHECK_INT(rc, ERR_PLUGIN);
    CHECK(r.ps == NULL);
    CHECK(strstr(diag_message(), "plugin createfail: create() failed with code -4") != NULL);
    stop(&r);
}

static void test_sample_failure(void)
{
    struct fixture_run r;
    tachyon_sample s;
    tachyon_finish_info fi;

    CHECK_INT(start(&r, "samplefail"), 0);
    memset(&s, 0, sizeof s);
    s.struct_size = sizeof s;
    s.weight = 1;
    CHECK_INT(plugin_session_sample(r.ps, &s), 0);
    CHECK_INT(plugin_session_sample(r.ps, &s), 0);
    CHECK_INT(plugin_session_failed(r.ps), 0);
    CHECK_INT(plugin_session_sample(r.ps, &s), ERR_PLUGIN);
    CHECK(strstr(diag_message(), "plugin samplefail: on_sample() failed with code -3") != NULL);
    CHECK_INT(plugin_session_failed(r.ps), 1);
    /* No more calls reach the plugin once it failed. */
    CHECK_INT(plugin_session_sample(r.ps, &s), ERR_PLUGIN);
    CHECK_INT(plugin_session_tick(r.ps, 1000000000ull), ERR_PLUGIN);
    memset(&fi, 0, sizeof fi);
    fi.struct_size = sizeof fi;
    CHECK_INT(plugin_session_finish(r.ps, &fi), ERR_PLUGIN);
    CHECK_INT(dir_entries(r.tmp), 0);
    stop(&r);
}

static void test_finish_failure_discards_output(void)
{
    struct fixture_run r;
    tachyon_finish_info fi;

    CHECK_INT(start(&r, "finishfail"), 0);
    memset(&fi, 0, sizeof fi);
    fi.struct_size = sizeof fi;
    CHECK_INT(plugin_session_finish(r.ps, &fi), ERR_PLUGIN);
    CHECK_INT(plugin_session_failed(r.ps), 1);
    /* The half-written report and its temporary file are both gone. */
    CHECK_INT(dir_entries(r.tmp), 0);
    stop(&r);
}

static void test_good_session(void)
{
    struct fixture_run r;
    tachyon_sample s;
    tachyon_finish_info fi;
    tachyon_frame f;
    tachyon_frame_id id;
    char buf[512];
    FILE *fp;
    size_t n;

    CHECK_INT(start(&r, "loadergood"), 0);
    memset(&f, 0, sizeof f);
    f.line = 7;
    f.opcode = TACHYON_NO_OPCODE;
    CHECK_INT(intern_cstring(r.in, "x.py", &f.filename), 0);
    CHECK_INT(intern_cstring(r.in, "f", &f.funcname), 0);
    CHECK_INT(intern_frame(r.in, &f, &id), 0);
    memset(&s, 0, sizeof s);
    s.struct_size = sizeof s;
    s.weight = 3;
    s.depth = 1;
    s.frames = &id;
    CHECK_INT(plugin_session_sample(r.ps, &s), 0);
    r.stats.samples = 3;
    memset(&fi, 0, sizeof fi);
    fi.struct_size = sizeof fi;
    CHECK_INT(plugin_session_finish(r.ps, &fi), 0);
    CHECK_INT(plugin_session_failed(r.ps), 0);
    CHECK_INT(dir_entries(r.tmp), 1);
    fp = fopen(r.out, "r");
    CHECK(fp != NULL);
    if (fp) {
        n = fread(buf, 1, sizeof buf - 1, fp);
        buf[n] = '\0';
        fclose(fp);
        CHECK_STR(buf, "samples 1\nweight 3\nframes 1\nstats.samples 3\n"
                       "title untitled\nlimit 10\nverbose false\n"
                       "kinds python=1 gc=0 native=0 task=0\ntop x.py:f:7\n");
    }
    stop(&r);
}

int main(void)
{
    RUN(test_rejection_matrix);
    RUN(test_listing);
    RUN(test_shadowing);
    RUN(test_root_refusal);
    RUN(test_secure_execution);
    RUN(test_create_failure);
    RUN(test_sample_failure);
    RUN(test_finish_failure_discards_output);
    RUN(test_good_session);
    return check_summary();
}

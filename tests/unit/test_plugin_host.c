/* Host services as a plugin sees them: atomic outputs, directories,
 * source reading through a root prefix, logging, interned data, stats and
 * the tick schedule. The "plugin" is compiled into the test; each test
 * installs a create() hook that exercises the services it is about. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "common/err.h"
#include "intern/intern.h"
#include "plugin/session.h"

static const tachyon_host *g_host;
static int g_ticks;

static int p_create(const tachyon_host *h, const char *format, void **state)
{
    g_host = h;
    *state = NULL;
    return 0;
}
static int p_sample(void *s, const tachyon_sample *x) { return 0; }
static int p_tick(void *s, uint64_t now) { g_ticks++; return 0; }
static int p_finish(void *s, const tachyon_finish_info *i) { return 0; }
static void p_destroy(void *s) { g_host = NULL; }

static const tachyon_format formats[] = {{sizeof(tachyon_format), 0, "hostfmt", "", NULL}};
static const tachyon_plugin plugin = {
    .struct_size = sizeof(tachyon_plugin), .abi_version = TACHYON_ABI_VERSION,
    .name = "hostplug", .version = "1", .formats = formats, .format_count = 1,
    .create = p_create, .on_sample = p_sample, .tick = p_tick, .tick_interval_ms = 100,
    .finish = p_finish, .destroy = p_destroy,
};

struct env {
    struct plugin_entry entry;
    struct interner *in;
    tachyon_session sess;
    tachyon_stats stats;
    struct plugin_session *ps;
    char dir[64];
};

static char *join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s/%s", a, b);
    return s;
}

static int setup(struct env *e, const char *output_name, const char *source_root)
{
    struct plugin_session_config cfg;
    static char out[256];

    memset(e, 0, sizeof *e);
    snprintf(e->dir, sizeof e->dir, "/tmp/tachyon-host-XXXXXX");
    if (!mkdtemp(e->dir) || interner_create(&e->in) < 0)
        return -1;
    e->entry.desc = &plugin;
    e->sess.struct_size = sizeof e->sess;
    e->sess.format = "hostfmt";
    if (output_name) {
        snprintf(out, sizeof out, "%s/%s", e->dir, output_name);
        e->sess.output_path = out;
    }
    e->stats.struct_size = sizeof e->stats;
    memset(&cfg, 0, sizeof cfg);
    cfg.entry = &e->entry;
    cfg.format = &formats[0];
    cfg.session = &e->sess;
    cfg.interner = e->in;
    cfg.stats = &e->stats;
    cfg.source_root = source_root;
    return plugin_session_create(&cfg, &e->ps);
}

static void remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *de;
        while (d && (de = readdir(d)) != NULL) {
            char *child;
            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                continue;
            child = join(path, de->d_name);
            if (child)
                remove_tree(child);
            free(child);
        }
        if (d)
            closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

static void teardown(struct env *e)
{
    plugin_session_destroy(e->ps);
    interner_destroy(e->in);
    remove_tree(e->dir);
}

static int count_entries(const char *dir)
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

static void read_all(const char *path, char *buf, size_t n)
{
    FILE *fp = fopen(path, "r");
    size_t got = fp ? fread(buf, 1, n - 1, fp) : 0;
    buf[got] = '\0';
    if (fp)
        fclose(fp);
}

static void test_atomic_output(void)
{
    struct env e;
    tachyon_output *o = NULL, *o2 = NULL;
    char buf[128], *dest;

    CHECK_INT(setup(&e, "report.txt", NULL), 0);
    dest = join(e.dir, "report.txt");
    CHECK_INT(g_host->output_open(g_host, NULL, &o), 0);
    CHECK_INT(g_host->output_printf(o, "hello %d\n", 42), 0);
    CHECK_INT(g_host->output_write(o, "raw", 3), 0);
    /* Before commit only the temporary file exists, next to the target. */
    CHECK(access(dest, F_OK) != 0);
    CHECK_INT(count_entries(e.dir), 1);
    CHECK_INT(g_host->output_is_terminal(o), 0);
    CHECK_INT(g_host->output_close(o, 1), 0);
    read_all(dest, buf, sizeof buf);
    CHECK_STR(buf, "hello 42\nraw");
    CHECK_INT(count_entries(e.dir), 1);

    /* An aborted rewrite leaves the previous report untouched. */
    CHECK_INT(g_host->output_open(g_host, dest, &o2), 0);
    CHECK_INT(g_host->output_printf(o2, "partial"), 0);
    CHECK_INT(g_host->output_close(o2, 0), 0);
    read_all(dest, buf, sizeof buf);
    CHECK_STR(buf, "hello 42\nraw");
    CHECK_INT(count_entries(e.dir), 1);

    /* An output the plugin never closes is discarded at destroy. */
    free(dest);
    dest = join(e.dir, "never.txt");
    CHECK_INT(g_host->output_open(g_host, dest, &o2), 0);
    CHECK_INT(count_entries(e.dir), 2);
    plugin_session_destroy(e.ps);
    e.ps = NULL;
    CHECK(access(dest, F_OK) != 0);
    CHECK_INT(count_entries(e.dir), 1);
    free(dest);
    teardown(&e);
}

static void test_output_errors(void)
{
    struct env e;
    tachyon_output *o = (tachyon_output *)&e;

    CHECK_INT(setup(&e, "missing-dir/report.txt", NULL), 0);
    CHECK_INT(g_host->output_open(g_host, NULL, &o), TACHYON_ERR_IO);
    CHECK(o == NULL);
    CHECK_INT(count_entries(e.dir), 0);
    teardown(&e);
}

static void test_stdout_output(void)
{
    struct env e;
    tachyon_output *o = NULL;

    /* No session output path means standard output, and so does "-". */
    CHECK_INT(setup(&e, NULL, NULL), 0);
    CHECK_INT(g_host->output_open(g_host, NULL, &o), 0);
    CHECK_INT(g_host->output_is_terminal(o), isatty(STDOUT_FILENO) ? 1 : 0);
    CHECK_INT(g_host->output_printf(o, "%s", ""), 0);
    CHECK_INT(g_host->output_close(o, 1), 0);
    CHECK_INT(g_host->output_open(g_host, TACHYON_OUTPUT_STDOUT, &o), 0);
    CHECK_INT(g_host->output_close(o, 0), 0);
    CHECK_INT(count_entries(e.dir), 0);
    teardown(&e);
}

static void test_make_directory(void)
{
    struct env e;
    char *deep, *file;
    struct stat st;

    CHECK_INT(setup(&e, NULL, NULL), 0);
    deep = join(e.dir, "a/b//c");
    file = join(e.dir, "a/file");
    CHECK_INT(g_host->make_directory(g_host, deep), 0);
    CHECK(stat(deep, &st) == 0 && S_ISDIR(st.st_mode));
    /* Existing directories are fine; a file in the way is not. */
    CHECK_INT(g_host->make_directory(g_host, deep), 0);
    close(open(file, O_CREAT | O_WRONLY, 0644));
    CHECK_INT(g_host->make_directory(g_host, file), TACHYON_ERR_IO);
    free(deep);
    free(file);
    teardown(&e);
}

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    if (fp) {
        fputs(text, fp);
        fclose(fp);
    }
}

static void test_read_source(void)
{
    struct env e;
    char root[64], *inside, *outside, *rooted_dir, *rooted, *big;
    char *data = NULL;
    size_t len = 0;
    int fd;

    snprintf(root, sizeof root, "/tmp/tachyon-root-XXXXXX");
    CHECK(mkdtemp(root) != NULL);
    CHECK_INT(setup(&e, NULL, root), 0);
    /* A file that exists under the root is read from there ... */
    inside = join(e.dir, "mod.py");
    write_file(inside, "host view\n");
    rooted_dir = malloc(strlen(root) + strlen(e.dir) + 1);
    memcpy(rooted_dir, root, strlen(root));
    memcpy(rooted_dir + strlen(root), e.dir, strlen(e.dir) + 1);
    CHECK_INT(g_host->make_directory(g_host, rooted_dir), 0);
    rooted = join(rooted_dir, "mod.py");
    write_file(rooted, "target view\n");
    CHECK_INT(g_host->read_source(g_host, inside, &data, &len), 0);
    CHECK_STR(data, "target view\n");
    CHECK_INT(len, 12);
    g_host->free_buffer(g_host, data);
    /* ... and one that does not falls back to the plain path. */
    outside = join(e.dir, "only-here.py");
    write_file(outside, "plain");
    CHECK_INT(g_host->read_source(g_host, outside, &data, &len), 0);
    CHECK_STR(data, "plain");
    g_host->free_buffer(g_host, data);
    CHECK(g_host->read_source(g_host, "/nonexistent/zzz.py", &data, &len) < 0);
    CHECK(data == NULL);
    CHECK(g_host->read_source(g_host, e.dir, &data, &len) < 0);
    /* Larger than 16 MiB: refused rather than truncated. */
    big = join(e.dir, "big.py");
    fd = open(big, O_CREAT | O_WRONLY, 0644);
    CHECK(fd >= 0 && ftruncate(fd, ((off_t)16 << 20) + 1) == 0);
    close(fd);
    CHECK_INT(g_host->read_source(g_host, big, &data, &len), TACHYON_ERR_UNSUPPORTED);
    free(inside);
    free(outside);
    free(rooted);
    free(rooted_dir);
    free(big);
    teardown(&e);
    remove_tree(root);
}

static void test_interned_data_and_stats(void)
{
    struct env e;
    tachyon_frame f;
    tachyon_frame_id id;
    size_t len = 0;

    CHECK_INT(setup(&e, NULL, NULL), 0);
    memset(&f, 0, sizeof f);
    f.line = 3;
    CHECK_INT(intern_cstring(e.in, "file.py", &f.filename), 0);
    CHECK_INT(intern_cstring(e.in, "fn", &f.funcname), 0);
    CHECK_INT(intern_frame(e.in, &f, &id), 0);
    CHECK_INT(g_host->frame_count(g_host), 1);
    CHECK(g_host->frame(g_host, id) != NULL);
    CHECK_INT(g_host->frame(g_host, id)->line, 3);
    CHECK(g_host->frame(g_host, id + 1) == NULL);
    CHECK_STR(g_host->string(g_host, f.filename, &len), "file.py");
    CHECK_INT(len, 7);
    CHECK(g_host->string(g_host, 9999, NULL) == NULL);
    /* stats is the caller's live struct, not a copy. */
    e.stats.samples = 77;
    CHECK_INT(g_host->stats(g_host)->samples, 77);
    CHECK_INT(g_host->abi_minor, TACHYON_ABI_MINOR);
    CHECK(g_host->session != NULL && g_host->session->struct_size == sizeof(tachyon_session));
    CHECK(g_host->session == &e.sess);
    CHECK_STR(g_host->session->format, "hostfmt");
    teardown(&e);
}

static void test_tick_schedule(void)
{
    struct env e;

    CHECK_INT(setup(&e, NULL, NULL), 0);
    g_ticks = 0;
    CHECK_INT(plugin_session_tick(e.ps, 50000000ull), 0);   /* 50 ms: too early */
    CHECK_INT(g_ticks, 0);
    CHECK_INT(plugin_session_tick(e.ps, 100000000ull), 0);  /* 100 ms */
    CHECK_INT(g_ticks, 1);
    CHECK_INT(plugin_session_tick(e.ps, 150000000ull), 0);
    CHECK_INT(g_ticks, 1);
    CHECK_INT(plugin_session_tick(e.ps, 200000000ull), 0);
    CHECK_INT(g_ticks, 2);
    teardown(&e);
}

/* Capture what the host logs while fn runs. */
static void capture_log(int level, const char *msg, char *buf, size_t n)
{
    char path[] = "/tmp/tachyon-log-XXXXXX";
    int fd = mkstemp(path), saved = dup(STDERR_FILENO);

    fflush(stderr);
    dup2(fd, STDERR_FILENO);
    g_host->log(g_host, level, "%s\n", msg);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(fd);
    read_all(path, buf, n);
    unlink(path);
}

static void test_logging(void)
{
    struct env e;
    char buf[256];

    unsetenv("TACHYON_DEBUG");
    CHECK_INT(setup(&e, NULL, NULL), 0);
    capture_log(TACHYON_LOG_WARNING, "disk is slow", buf, sizeof buf);
    CHECK_STR(buf, "hostplug: warning: disk is slow\n");
    capture_log(TACHYON_LOG_DEBUG, "hidden", buf, sizeof buf);
    CHECK_STR(buf, "");
    teardown(&e);

    setenv("TACHYON_DEBUG", "1", 1);
    CHECK_INT(setup(&e, NULL, NULL), 0);
    capture_log(TACHYON_LOG_DEBUG, "shown", buf, sizeof buf);
    CHECK_STR(buf, "hostplug: debug: shown\n");
    teardown(&e);
    unsetenv("TACHYON_DEBUG");
}

int main(void)
{
    RUN(test_atomic_output);
    RUN(test_output_errors);
    RUN(test_stdout_output);
    RUN(test_make_directory);
    RUN(test_read_source);
    RUN(test_interned_data_and_stats);
    RUN(test_tick_schedule);
    RUN(test_logging);
    return check_summary();
}

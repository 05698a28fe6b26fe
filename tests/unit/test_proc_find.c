/* Finding CPython in live processes: every interpreter on the machine, a
 * process that is not Python, a PID that does not exist, a target we are
 * not allowed to read, and the parsers (maps lines, hostile ELF files)
 * underneath. Every child is killed, whatever happens. */
#include "check.h"
#include "pythons.h"

#include "common/err.h"
#include "mem/reader.h"
#include "proc/elf.h"
#include "proc/maps.h"
#include "proc/process.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>


static int write_file(const char *path, const void *data, size_t len);
static unsigned char *slurp(const char *path, size_t *len);

/* ---- children ---- */

#define MAX_CHILDREN 16
static pid_t g_children[MAX_CHILDREN];

static void reap(pid_t pid)
{
    size_t i;
    if (pid <= 0)
        return;
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    for (i = 0; i < MAX_CHILDREN; i++)
        if (g_children[i] == pid)
            g_children[i] = 0;
}

static void reap_all(void)
{
    size_t i;
    for (i = 0; i < MAX_CHILDREN; i++)
        reap(g_children[i]);
}

/* Start argv[0] with stdout on *out_fd when out_fd is not NULL. The child
 * dies with us (PDEATHSIG) and is remembered so reap_all finds it. */
static pid_t spawn(char *const argv[], int *out_fd)
{
    int fds[2] = {-1, -1};
    size_t i;
    pid_t pid;

    if (out_fd && pipe(fds) != 0)
        return -1;
    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (out_fd) {
            dup2(fds[1], STDOUT_FILENO);
            close(fds[0]);
            close(fds[1]);
        }
        execv(argv[0], argv);
        _exit(127);
    }
    if (out_fd) {
        close(fds[1]);
        *out_fd = pid > 0 ? fds[0] : -1;
        if (pid <= 0)
            close(fds[0]);
    }
    for (i = 0; i < MAX_CHILDREN && pid > 0; i++)
        if (g_children[i] == 0) {
            g_children[i] = pid;
            break;
        }
    return pid;
}

/* Run argv to completion and return its stdout (at most cap-1 bytes). */
static int run_capture(char *const argv[], char *buf, size_t cap)
{
    int fd, status = 0;
    size_t len = 0;
    ssize_t n;
    pid_t pid = spawn(argv, &fd);
    if (pid <= 0)
        return -1;
    while (len + 1 < cap && (n = read(fd, buf + len, cap - 1 - len)) > 0)
        len += (size_t)n;
    buf[len] = '\0';
    close(fd);
    waitpid(pid, &status, 0);
    reap(pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The child may still be this test binary (before exec) or be loading its
 * libraries, so ERR_NOTPYTHON is retried for a while. */
static int find_when_ready(pid_t pid, struct py_image *img)
{
    int i, rc = ERR_NOTPYTHON;
    for (i = 0; i < 500 && rc == ERR_NOTPYTHON; i++) {
        rc = proc_find_python(pid, img);
        if (rc == ERR_NOTPYTHON)
            sleep_ms(20);
    }
    return rc;
}

/* ---- every interpreter ---- */

static int hexversion_of(const char *interp, uint32_t *out)
{
    char buf[64], *end;
    char *argv[] = {(char *)interp, "-c", "import sys; print(sys.hexversion)", NULL};
    unsigned long v;
    if (run_capture(argv, buf, sizeof buf) != 0)
        return -1;
    errno = 0;
    v = strtoul(buf, &end, 10);
    if (errno || end == buf || v == 0 || v > 0xffffffffUL)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

static void check_interpreter(const char *name, const char *interp)
{
    char *argv[] = {(char *)interp, "-c", "import time; time.sleep(30)", NULL};
    struct py_image img;
    struct mem_reader *r = NULL;
    uint32_t want = 0, got = 0;
    uint64_t sym = 0;
    int rc;
    pid_t pid;

    if (hexversion_of(interp, &want) != 0) {
        check_fail(__FILE__, __LINE__, "%s: could not get sys.hexversion", interp);
        return;
    }
    pid = spawn(argv, NULL);
    CHECK(pid > 0);
    if (pid <= 0)
        return;
    rc = find_when_ready(pid, &img);
    if (rc) {
        check_fail(__FILE__, __LINE__, "%s: proc_find_python: %s", interp, diag_message());
        goto out;
    }
    printf("     %s (0x%08x): %s bias 0x%llx _PyRuntime 0x%llx (+%llu) Py_Version 0x%llx\n",
           interp, want, img.path, (unsigned long long)img.load_bias,
           (unsigned long long)img.runtime_addr, (unsigned long long)img.runtime_size,
           (unsigned long long)img.py_version_addr);
    CHECK_INT(img.pid, pid);
    CHECK(img.runtime_addr != 0 && img.runtime_size > 0);
    CHECK(img.py_version_addr != 0);
    /* pyenv's builds keep the runtime in libpython; Debian's (and those of
     * the unstable root, found through /proc/PID/root) in the executable. */
    if (strstr(name, "pyenv") != NULL)
        CHECK(strstr(img.path, "/libpython") != NULL);
    else if (strstr(interp, "/usr/bin/") == interp)
        CHECK_STR(img.path, interp);
    else
        CHECK(strstr(img.path, "/libpython") == NULL && strstr(img.path, "/python3.1") != NULL);

    rc = mem_reader_open_process(pid, MEM_BACKEND_AUTO, &r);
    CHECK_INT(rc, 0);
    if (rc)
        goto out;
    CHECK_INT(mem_read(r, img.py_version_addr, &got, sizeof got), 0);
    CHECK_INT(got, want);
    if ((want >> 16) >= 0x030d) {
        char cookie[8];
        CHECK_INT(mem_read(r, img.runtime_addr, cookie, sizeof cookie), 0);
        CHECK(memcmp(cookie, "xdebugpy", 8) == 0);
    }
    CHECK_INT(proc_resolve_symbol(&img, "Py_Version", &sym), 0);
    CHECK_INT(sym, img.py_version_addr);
    CHECK_INT(proc_resolve_symbol(&img, "_PyRuntime", &sym), 0);
    CHECK_INT(sym, img.runtime_addr);
    CHECK_INT(proc_resolve_symbol(&img, "tachyon_no_such_symbol", &sym), ERR_NOTPYTHON);
    CHECK(strstr(diag_message(), "tachyon_no_such_symbol") != NULL);
out:
    mem_reader_close(r);
    reap(pid);
}

static void test_every_interpreter(void)
{
    struct test_python py[TEST_PYTHONS_MAX];
    size_t i, n = test_pythons(py, TEST_PYTHONS_MAX);
    for (i = 0; i < n; i++)
        check_interpreter(py[i].name, py[i].path);
    CHECK(n > 0);
}

/* A runtime file whose path has spaces, then is deleted and replaced by an
 * unrelated file at the same path (as an upgrade would): the finder must
 * keep using the mapped file. */
static void test_spaced_then_deleted_path(void)
{
    const char *src = "/usr/bin/python3.11";
    char dir[] = "/tmp/tachyon proc XXXXXX", path[128];
    char *argv[] = {path, "-c", "import time; time.sleep(30)", NULL};
    struct py_image img, again;
    struct mem_reader *r = NULL;
    unsigned char *data;
    uint32_t want = 0, got = 0;
    uint64_t sym = 0;
    size_t len = 0;
    pid_t pid = -1;
    int rc;

    if (access(src, X_OK) != 0 || hexversion_of(src, &want) != 0) {
        printf("     skip: %s not available\n", src);
        return;
    }
    if (!mkdtemp(dir)) {
        check_fail(__FILE__, __LINE__, "mkdtemp: %s", strerror(errno));
        return;
    }
    snprintf(path, sizeof path, "%s/py thon3.11", dir);
    data = slurp(src, &len);
    CHECK(data != NULL);
    if (!data || write_file(path, data, len) != 0 || chmod(path, 0755) != 0) {
        check_fail(__FILE__, __LINE__, "cannot copy %s", src);
        goto out;
    }
    pid = spawn(argv, NULL);
    CHECK(pid > 0);
    if (pid <= 0)
        goto out;
    rc = find_when_ready(pid, &img);
    CHECK_INT(rc, 0);
    if (rc)
        goto out;
    CHECK_STR(img.path, path);

    unlink(path);
    CHECK_INT(write_file(path, "not an ELF file at all", 22), 0);
    rc = proc_find_python(pid, &again);
    if (rc)
        check_fail(__FILE__, __LINE__, "after delete: %s", diag_message());
    CHECK_STR(again.path, path);
    CHECK_INT(again.runtime_addr, img.runtime_addr);
    CHECK_INT(again.py_version_addr, img.py_version_addr);
    CHECK_INT(proc_resolve_symbol(&again, "Py_Version", &sym), 0);
    CHECK_INT(sym, img.py_version_addr);
    CHECK_INT(mem_reader_open_process(pid, MEM_BACKEND_AUTO, &r), 0);
    if (r) {
        CHECK_INT(mem_read(r, again.py_version_addr, &got, sizeof got), 0);
        CHECK_INT(got, want);
    }
out:
    mem_reader_close(r);
    reap(pid);
    free(data);
    unlink(path);
    rmdir(dir);
}

/* ---- processes that are not Python, or not there ---- */

static void test_not_python(void)
{
    char *argv[] = {"/bin/sleep", "30", NULL};
    struct py_image img;
    char pidstr[32];
    int i, rc = 0;
    pid_t pid = spawn(argv, NULL);
    CHECK(pid > 0);
    if (pid <= 0)
        return;
    /* Wait for the exec so we look at sleep, not at a copy of ourselves. */
    for (i = 0; i < 250; i++) {
        char link[64], target[256];
        ssize_t n;
        snprintf(link, sizeof link, "/proc/%d/exe", (int)pid);
        n = readlink(link, target, sizeof target - 1);
        if (n > 0 && (target[n] = '\0', strstr(target, "sleep")))
            break;
        sleep_ms(20);
    }
    sleep_ms(50);
    rc = proc_find_python(pid, &img);
    CHECK_INT(rc, ERR_NOTPYTHON);
    snprintf(pidstr, sizeof pidstr, "%d", (int)pid);
    CHECK(strstr(diag_message(), pidstr) != NULL);
    CHECK(strstr(diag_message(), "sleep") != NULL);
    CHECK(strstr(diag_message(), "No Python runtime") != NULL);
    CHECK_INT(img.runtime_addr, 0);
    CHECK_INT(proc_alive(pid), 1);
    reap(pid);
    CHECK_INT(proc_alive(pid), 0);
}

static void test_no_such_process(void)
{
    struct py_image img;
    char expect[96];
    long pid_max = 4194304;
    FILE *f = fopen("/proc/sys/kernel/pid_max", "r");
    if (f) {
        if (fscanf(f, "%ld", &pid_max) != 1)
            pid_max = 4194304;
        fclose(f);
    }
    /* PIDs are always below pid_max, so this one cannot exist. */
    CHECK_INT(proc_find_python((pid_t)pid_max, &img), ERR_NOPROC);
    snprintf(expect, sizeof expect, "Process with PID '%ld' does not exist.", pid_max);
    CHECK_STR(diag_message(), expect);
    CHECK_INT(proc_find_python(0, &img), ERR_NOPROC);
    CHECK_INT(proc_find_python(-1, &img), ERR_NOPROC);
    CHECK_INT(proc_alive((pid_t)pid_max), 0);
    CHECK_INT(proc_alive(0), 0);
    CHECK_INT(proc_alive(getpid()), 1);
}

static void test_zombie(void)
{
    struct py_image img;
    pid_t pid = fork();
    int i;
    if (pid == 0)
        _exit(0);
    CHECK(pid > 0);
    if (pid <= 0)
        return;
    for (i = 0; i < 250 && proc_alive(pid); i++)
        sleep_ms(10);
    CHECK_INT(proc_alive(pid), 0);     /* a zombie is not alive */
    CHECK_INT(proc_find_python(pid, &img), ERR_NOPROC);
    waitpid(pid, NULL, 0);
}

/* ---- permission ---- */

/* Run in the unprivileged child: report what the finder and the reader say
 * about a root-owned process, one line each. */
static int probe_permission(const char *pidarg)
{
    struct py_image img;
    struct mem_reader *r = NULL;
    pid_t pid = (pid_t)strtol(pidarg, NULL, 10);
    int rc;
    printf("uid %d\n", (int)getuid());
    rc = proc_find_python(pid, &img);
    printf("find %d %s\n", rc, diag_message());
    rc = mem_reader_open_process(pid, MEM_BACKEND_AUTO, &r);
    printf("open %d %s\n", rc, diag_message());
    mem_reader_close(r);
    return 0;
}

static void test_permission_denied(void)
{
    char self[512], pidstr[32], out[4096], expect[64];
    char *target_argv[] = {"/bin/sleep", "30", NULL};
    char *probe_argv[] = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                          self, "--probe-permission", pidstr, NULL};
    ssize_t n;
    pid_t target;
    int rc;

    if (geteuid() != 0 || access("/usr/bin/setpriv", X_OK) != 0) {
        printf("     skip: needs root and setpriv to drop privileges\n");
        return;
    }
    n = readlink("/proc/self/exe", self, sizeof self - 1);
    CHECK(n > 0);
    if (n <= 0)
        return;
    self[n] = '\0';
    target = spawn(target_argv, NULL);
    CHECK(target > 0);
    if (target <= 0)
        return;
    snprintf(pidstr, sizeof pidstr, "%d", (int)target);
    rc = run_capture(probe_argv, out, sizeof out);
    CHECK_INT(rc, 0);
    printf("     %s", out);
    CHECK(strstr(out, "uid 65534\n") != NULL);
    snprintf(expect, sizeof expect, "find %d Insufficient permission", ERR_PERM);
    CHECK(strstr(out, expect) != NULL);
    snprintf(expect, sizeof expect, "open %d Insufficient permission", ERR_PERM);
    CHECK(strstr(out, expect) != NULL);
    {
        /* Both lines carry the PID and every hint. */
        char *line = out;
        int lines = 0;
        while ((line = strstr(line, " Insufficient permission")) != NULL) {
            char *eol = strchr(line, '\n');
            if (eol)
                *eol = '\0';
            CHECK(strstr(line, pidstr) != NULL);
            CHECK(strstr(line, "CAP_SYS_PTRACE") != NULL);
            CHECK(strstr(line, "echo 0 | sudo tee /proc/sys/kernel/yama/ptrace_scope") != NULL);
            CHECK(strstr(line, "--cap-add=SYS_PTRACE") != NULL);
            CHECK(strstr(line, "root") != NULL);
            lines++;
            line = eol ? eol + 1 : line + strlen(line);
        }
        CHECK_INT(lines, 2);
    }
    reap(target);
}

/* ---- parsers ---- */

static void test_maps_lines(void)
{
    struct proc_map m;
    CHECK_INT(proc_maps_parse_line("7f0000001000-7f0000002000 r-xp 00001000 08:1f 1234   "
                                   "  /opt/my dir/libpython3.12.so.1.0 (deleted)\n", &m), 0);
    CHECK_INT(m.start, 0x7f0000001000ULL);
    CHECK_INT(m.end, 0x7f0000002000ULL);
    CHECK_INT(m.offset, 0x1000);
    CHECK_INT(m.dev_major, 8);
    CHECK_INT(m.dev_minor, 0x1f);
    CHECK_INT(m.inode, 1234);
    CHECK_STR(m.perms, "r-xp");
    CHECK_INT(m.deleted, 1);
    CHECK_STR(m.path, "/opt/my dir/libpython3.12.so.1.0");
    CHECK_INT(proc_map_is_file(&m), 1);
    free(m.path);

    CHECK_INT(proc_maps_parse_line("00400000-00401000 rw-p 00000000 00:00 0 \n", &m), 0);
    CHECK_STR(m.path, "");
    CHECK_INT(m.deleted, 0);
    CHECK_INT(proc_map_is_file(&m), 0);
    free(m.path);
    CHECK_INT(proc_maps_parse_line("00400000-00401000 rw-p 00000000 00:00 0", &m), 0);
    CHECK_STR(m.path, "");
    free(m.path);
    CHECK_INT(proc_maps_parse_line("01000000-02000000 rw-p 00000000 00:00 0          [heap]\n", &m), 0);
    CHECK_STR(m.path, "[heap]");
    CHECK_INT(proc_map_is_file(&m), 0);
    free(m.path);
    CHECK_INT(proc_maps_parse_line("1000-2000 r--p 00000000 08:01 99 /a (deleted) b\n", &m), 0);
    CHECK_STR(m.path, "/a (deleted) b"); /* only a trailing marker counts */
    CHECK_INT(m.deleted, 0);
    free(m.path);

    CHECK_INT(proc_maps_parse_line("", &m), ERR_INVALID);
    CHECK_INT(proc_maps_parse_line("garbage\n", &m), ERR_INVALID);
    CHECK_INT(proc_maps_parse_line("1000-2000\n", &m), ERR_INVALID);
    CHECK_INT(proc_maps_parse_line("2000-1000 r--p 0 00:00 0\n", &m), ERR_INVALID);
    CHECK_INT(proc_maps_parse_line("1000-2000 r--p 0 0000 0\n", &m), ERR_INVALID);
    CHECK_INT(proc_maps_parse_line("1000-2000 r--p 0 00:00 x\n", &m), ERR_INVALID);
    CHECK_INT(proc_maps_parse_line("-1000-2000 r--p 0 00:00 0\n", &m), ERR_INVALID);
    CHECK(m.path == NULL);
}

static void test_maps_of_self(void)
{
    struct proc_maps maps;
    size_t i;
    int found = 0;
    CHECK_INT(proc_maps_read(getpid(), &maps), 0);
    CHECK(maps.n > 5);
    for (i = 0; i < maps.n; i++)
        if ((uintptr_t)&test_maps_of_self >= maps.v[i].start &&
            (uintptr_t)&test_maps_of_self < maps.v[i].end)
            found = maps.v[i].perms[2] == 'x' && proc_map_is_file(&maps.v[i]);
    CHECK(found);
    proc_maps_free(&maps);
}

static int write_file(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ssize_t n;
    if (fd < 0)
        return -1;
    n = write(fd, data, len);
    close(fd);
    return n == (ssize_t)len ? 0 : -1;
}

/* Open path as ELF and look things up; the result code must be an error
 * code and nothing may crash. Returns elf_open's result. */
static int poke_elf(const char *path, int *sym_rc)
{
    struct elf_file *e = NULL;
    uint64_t a, s;
    int fd = open(path, O_RDONLY | O_CLOEXEC), rc;
    *sym_rc = 1;
    if (fd < 0)
        return -100;
    rc = elf_open(fd, path, &e);
    if (rc == 0) {
        *sym_rc = elf_find_symbol(e, "_PyRuntime", &a, &s);
        elf_find_section(e, ".PyRuntime", &a, &s);
        elf_close(e);
    }
    return rc;
}

static unsigned char *slurp(const char *path, size_t *len)
{
    struct stat st;
    unsigned char *buf;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    buf = malloc((size_t)st.st_size);
    if (buf && read(fd, buf, (size_t)st.st_size) != st.st_size) {
        free(buf);
        buf = NULL;
    }
    close(fd);
    *len = (size_t)st.st_size;
    return buf;
}

static void test_elf_hostile(void)
{
    static const char *const files[] = {"/usr/bin/python3.11",
                                        "/root/.pyenv/versions/3.12.1/lib/libpython3.12.so.1.0"};
    char tmp[] = "/tmp/tachyon_elf_XXXXXX";
    const char *src = NULL;
    unsigned char *img;
    size_t len = 0, i;
    int fd, sym_rc;

    for (i = 0; i < 2 && !src; i++)
        if (access(files[i], R_OK) == 0)
            src = files[i];
    if (!src) {
        check_fail(__FILE__, __LINE__, "no ELF file with _PyRuntime to test with");
        return;
    }
    fd = mkstemp(tmp);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    close(fd);
    img = slurp(src, &len);
    CHECK(img != NULL && len > 4096);
    if (!img)
        goto out;

    /* The intact file: section and symbol agree. */
    {
        struct elf_file *e = NULL;
        uint64_t sa = 0, ss = 0, ya = 0, ys = 0, bias = 1;
        CHECK_INT(write_file(tmp, img, len), 0);
        CHECK_INT(elf_open(open(tmp, O_RDONLY), tmp, &e), 0);
        if (e) {
            CHECK_INT(elf_find_section(e, ".PyRuntime", &sa, &ss), 0);
            CHECK_INT(elf_find_symbol(e, "_PyRuntime", &ya, &ys), 0);
            CHECK(sa != 0 && sa == ya && ss == ys);
            CHECK_INT(elf_find_symbol(e, "Py_Version", &ya, &ys), 0);
            CHECK(ys == 4 || ys == 8); /* an unsigned long */
            CHECK_INT(elf_find_section(e, ".no_such_section", &sa, &ss), ERR_NOTPYTHON);
            CHECK_INT(elf_load_bias(e, 0x7f0000000000ULL, 0, 4096, &bias), 0);
            elf_close(e);
        }
    }
    /* Truncations at every interesting size. */
    {
        size_t cuts[] = {0, 1, 16, 63, 64, 65, 200, 4096, len / 2, len - 1};
        for (i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
            int rc;
            CHECK_INT(write_file(tmp, img, cuts[i]), 0);
            rc = poke_elf(tmp, &sym_rc);
            /* The section headers sit at the end, so every cut loses them. */
            if (rc != ERR_INVALID)
                check_fail(__FILE__, __LINE__, "cut at %zu: elf_open gave %d", cuts[i], rc);
        }
    }
    /* Corrupt headers: huge counts, offsets past the end, bad string links. */
    {
        Elf64_Ehdr eh;
        memcpy(&eh, img, sizeof eh);
        for (i = 0; i < 6; i++) {
            unsigned char *bad = malloc(len);
            Elf64_Ehdr *h = (Elf64_Ehdr *)bad;
            Elf64_Shdr *sh;
            size_t k;
            int rc;
            if (!bad)
                break;
            memcpy(bad, img, len);
            sh = (Elf64_Shdr *)(bad + eh.e_shoff);
            switch (i) {
            case 0: h->e_shoff = len - 8; break;
            case 1: h->e_shnum = 0xffff; break;
            case 2: h->e_shstrndx = 0xfff0; break;
            case 3:
                for (k = 0; k < eh.e_shnum; k++)
                    if (sh[k].sh_type == SHT_DYNSYM)
                        sh[k].sh_size = (uint64_t)1 << 62;
                break;
            case 4:
                for (k = 0; k < eh.e_shnum; k++)
                    if (sh[k].sh_type == SHT_DYNSYM)
                        sh[k].sh_link = 0xffffff;
                break;
            case 5:
                for (k = 0; k < eh.e_shnum; k++)
                    if (sh[k].sh_type == SHT_STRTAB)
                        sh[k].sh_offset = len - 1;
                break;
            }
            CHECK_INT(write_file(tmp, bad, len), 0);
            rc = poke_elf(tmp, &sym_rc);
            if (i <= 2 || i == 5) {
                /* Header-level damage is caught at open (case 5 breaks the
                 * section name table). */
                if (rc != ERR_INVALID)
                    check_fail(__FILE__, __LINE__, "corruption %zu: elf_open gave %d", i, rc);
            } else {
                CHECK_INT(rc, 0);
                CHECK_INT(sym_rc, ERR_INVALID);
            }
            free(bad);
        }
    }
out:
    free(img);
    unlink(tmp);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--probe-permission") == 0)
        return probe_permission(argv[2]);
    atexit(reap_all);
    signal(SIGPIPE, SIG_IGN);
    RUN(test_maps_lines);
    RUN(test_maps_of_self);
    RUN(test_elf_hostile);
    RUN(test_no_such_process);
    RUN(test_zombie);
    RUN(test_not_python);
    RUN(test_permission_denied);
    RUN(test_every_interpreter);
    RUN(test_spaced_then_deleted_path);
    return check_summary();
}

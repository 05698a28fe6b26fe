/* Memory reader semantics: the synthetic backend's boundary rules, and both
 * process backends reading this process and a child, batching scattered
 * reads, and reporting a target that has gone. */
#include "check.h"

#include "common/err.h"
#include "mem/reader.h"
#include "mem/reader_process.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static const enum mem_backend k_backends[] = {MEM_BACKEND_VM_READV, MEM_BACKEND_PROC_MEM};
#define N_BACKENDS (sizeof k_backends / sizeof k_backends[0])

static unsigned char g_data[8192];
static pid_t g_child = -1;

static void fill(unsigned char *p, size_t n, unsigned seed)
{
    size_t i;
    for (i = 0; i < n; i++)
        p[i] = (unsigned char)(seed + i * 7u + (i >> 8));
}

/* ---- synthetic backend ---- */

static struct mem_reader *synth_with(uint64_t addr, const unsigned char *data, size_t len)
{
    struct mem_reader *r = NULL;
    CHECK_INT(mem_reader_open_synthetic(&r), 0);
    if (r && len)
        CHECK_INT(mem_synth_map(r, addr, data, len), 0);
    return r;
}

static void test_synth_single_region(void)
{
    unsigned char src[16], out[32];
    struct mem_reader *r;
    fill(src, sizeof src, 1);
    r = synth_with(0x1000, src, sizeof src);
    if (!r)
        return;
    CHECK_INT(mem_read(r, 0x1000, out, 16), 0);
    CHECK(memcmp(out, src, 16) == 0);
    CHECK_INT(mem_read(r, 0x1004, out, 4), 0);
    CHECK(memcmp(out, src + 4, 4) == 0);
    CHECK_INT(mem_read(r, 0x100f, out, 1), 0);      /* last byte */
    CHECK_INT(out[0], src[15]);
    CHECK_INT(mem_read(r, 0x1010, out, 1), ERR_READ); /* one past the end */
    CHECK_INT(mem_read(r, 0x100f, out, 2), ERR_READ); /* runs off the end */
    CHECK_INT(mem_read(r, 0x0fff, out, 2), ERR_READ); /* starts before */
    CHECK_INT(mem_read(r, 0x0fff, out, 1), ERR_READ);
    CHECK_INT(mem_read(r, 0, out, 8), ERR_READ);
    CHECK_INT(mem_read(r, 0x1000, out, 17), ERR_READ);
    CHECK_INT(mem_read(r, 0x1000, out, 0), 0);
    CHECK_INT(diag_code(), ERR_READ);
    CHECK(strstr(diag_message(), "0x1000") != NULL);
    CHECK_INT(r->calls, 10);
    mem_reader_close(r);
}

static void test_synth_adjacent_regions(void)
{
    unsigned char a[16], b[16], c[16], out[48];
    struct mem_reader *r;
    fill(a, 16, 10);
    fill(b, 16, 50);
    fill(c, 16, 90);
    r = synth_with(0x2010, b, 16); /* mapped out of order on purpose */
    if (!r)
        return;
    CHECK_INT(mem_synth_map(r, 0x2040, c, 16), 0); /* gap 0x2020..0x2040 */
    CHECK_INT(mem_synth_map(r, 0x2000, a, 16), 0);
    /* Contiguous a|b: a read across the seam works. */
    CHECK_INT(mem_read(r, 0x200c, out, 8), 0);
    CHECK(memcmp(out, a + 12, 4) == 0 && memcmp(out + 4, b, 4) == 0);
    CHECK_INT(mem_read(r, 0x2000, out, 32), 0);
    CHECK(memcmp(out, a, 16) == 0 && memcmp(out + 16, b, 16) == 0);
    /* b then a gap then c: never readable across. */
    CHECK_INT(mem_read(r, 0x201c, out, 8), ERR_READ);
    CHECK_INT(mem_read(r, 0x2000, out, 33), ERR_READ);
    CHECK_INT(mem_read(r, 0x2020, out, 1), ERR_READ);
    CHECK_INT(mem_read(r, 0x203f, out, 2), ERR_READ);
    CHECK_INT(mem_read(r, 0x2040, out, 16), 0);
    CHECK(memcmp(out, c, 16) == 0);
    /* A third contiguous region extends the chain. */
    CHECK_INT(mem_synth_map(r, 0x2020, c, 32 - 16), 0);
    CHECK_INT(mem_synth_map(r, 0x2030, a, 16), 0);
    CHECK_INT(mem_read(r, 0x2008, out, 48), 0);
    CHECK(memcmp(out, a + 8, 8) == 0 && memcmp(out + 8, b, 16) == 0 &&
          memcmp(out + 24, c, 16) == 0 && memcmp(out + 40, a, 8) == 0);
    mem_reader_close(r);
}

static void test_synth_map_rules(void)
{
    unsigned char src[32], out[32];
    struct mem_reader *r, *p = NULL;
    fill(src, sizeof src, 3);
    r = synth_with(0x3000, src, 32);
    if (!r)
        return;
    CHECK_INT(mem_synth_map(r, 0x3000, src, 32), ERR_INVALID); /* same */
    CHECK_INT(mem_synth_map(r, 0x2ff0, src, 17), ERR_INVALID); /* overlaps the start */
    CHECK_INT(mem_synth_map(r, 0x301f, src, 4), ERR_INVALID);  /* overlaps the end */
    CHECK_INT(mem_synth_map(r, 0x2f00, src, 32), 0);           /* before, disjoint */
    CHECK_INT(mem_synth_map(r, 0x2ef0, src, 32), ERR_INVALID); /* overlaps that one */
    CHECK_INT(mem_synth_map(r, 0x3008, src, 4), ERR_INVALID);  /* inside */
    CHECK_INT(mem_synth_map(r, 0x4000, src, 0), ERR_INVALID);  /* empty */
    CHECK_INT(mem_synth_map(r, UINT64_MAX - 3, src, 8), ERR_INVALID); /* wraps */
    /* The data is copied: changing the source changes nothing. */
    src[0] ^= 0xff;
    CHECK_INT(mem_read(r, 0x3000, out, 1), 0);
    CHECK_INT(out[0], (unsigned char)(src[0] ^ 0xff));
    /* Synthetic-only calls refuse other readers. */
    if (mem_reader_open_process(getpid(), MEM_BACKEND_VM_READV, &p) == 0) {
        CHECK_INT(mem_synth_map(p, 0x1000, src, 4), ERR_INVALID);
        CHECK_INT(mem_synth_poke(p, 0x1000, src, 4), ERR_INVALID);
        mem_reader_close(p);
    } else {
        CHECK(!"could not open a reader on this process");
    }
    CHECK_INT(mem_reader_backend(r), MEM_BACKEND_AUTO);
    mem_reader_close(r);
}

static void test_synth_top_of_address_space(void)
{
    unsigned char src[16], out[16];
    struct mem_reader *r;
    fill(src, sizeof src, 4);
    r = synth_with(UINT64_MAX - 15, src, 15); /* ends exactly at UINT64_MAX */
    if (!r)
        return;
    CHECK_INT(mem_read(r, UINT64_MAX - 15, out, 15), 0);
    CHECK(memcmp(out, src, 15) == 0);
    CHECK_INT(mem_read(r, UINT64_MAX - 15, out, 16), ERR_READ);
    CHECK_INT(mem_read(r, UINT64_MAX - 1, out, 4), ERR_READ); /* would wrap */
    mem_reader_close(r);
}

static void test_synth_poke(void)
{
    unsigned char a[16], b[16], patch[8], out[32];
    struct mem_reader *r;
    fill(a, 16, 20);
    fill(b, 16, 40);
    memset(patch, 0xab, sizeof patch);
    r = synth_with(0x5000, a, 16);
    if (!r)
        return;
    CHECK_INT(mem_synth_map(r, 0x5010, b, 16), 0);
    CHECK_INT(mem_synth_poke(r, 0x500c, patch, 8), 0); /* across the seam */
    CHECK_INT(mem_read(r, 0x5000, out, 32), 0);
    CHECK(memcmp(out, a, 12) == 0 && memcmp(out + 12, patch, 8) == 0 &&
          memcmp(out + 20, b + 4, 12) == 0);
    /* Partly outside: refused, and nothing changes. */
    CHECK_INT(mem_synth_poke(r, 0x501c, patch + 1, 7), ERR_INVALID);
    CHECK_INT(mem_read(r, 0x501c, out, 4), 0);
    CHECK(memcmp(out, b + 12, 4) == 0);
    CHECK_INT(mem_synth_poke(r, 0x6000, patch, 1), ERR_INVALID);
    mem_reader_close(r);
}

static void test_synth_readv(void)
{
    unsigned char src[64], o1[8], o2[8], o3[8];
    struct mem_reader *r;
    struct mem_span ok[2], bad[3];
    fill(src, sizeof src, 5);
    r = synth_with(0x7000, src, 64);
    if (!r)
        return;
    ok[0] = (struct mem_span){0x7030, o1, 8};
    ok[1] = (struct mem_span){0x7000, o2, 8};
    CHECK_INT(mem_readv(r, ok, 2), 0);
    CHECK(memcmp(o1, src + 0x30, 8) == 0 && memcmp(o2, src, 8) == 0);
    CHECK_INT(r->calls, 1);
    CHECK_INT(r->bytes, 16);
    bad[0] = ok[0];
    bad[1] = (struct mem_span){0x703c, o3, 8}; /* runs off the end */
    bad[2] = ok[1];
    CHECK_INT(mem_readv(r, bad, 3), ERR_READ);
    CHECK_INT(mem_readv(r, bad, 0), 0);
    mem_reader_close(r);
}

/* ---- process backends ---- */

static struct mem_reader *open_self(enum mem_backend b)
{
    struct mem_reader *r = NULL;
    int rc = mem_reader_open_process(getpid(), b, &r);
    if (rc)
        check_fail(__FILE__, __LINE__, "open %s on self: %s", mem_backend_name(b), diag_message());
    else
        CHECK_INT(mem_reader_backend(r), b);
    return r;
}

static void test_process_self(void)
{
    size_t k;
    long page = sysconf(_SC_PAGESIZE);
    unsigned char *two = mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(two != MAP_FAILED);
    if (two == MAP_FAILED)
        return;
    memset(two, 0x5a, (size_t)page);
    munmap(two + page, (size_t)page);
    fill(g_data, sizeof g_data, 77);
    for (k = 0; k < N_BACKENDS; k++) {
        unsigned char out[8192];
        struct mem_reader *r = open_self(k_backends[k]);
        if (!r)
            continue;
        memset(out, 0, sizeof out);
        CHECK_INT(mem_read(r, (uintptr_t)g_data, out, sizeof g_data), 0);
        CHECK(memcmp(out, g_data, sizeof g_data) == 0);
        CHECK_INT(mem_read(r, (uintptr_t)g_data + 13, out, 3), 0);
        CHECK(memcmp(out, g_data + 13, 3) == 0);
        CHECK_INT(mem_read(r, (uintptr_t)two + page - 8, out, 8), 0);
        CHECK_INT(out[7], 0x5a);
        /* Partly unmapped, wholly unmapped, and the null page. */
        CHECK_INT(mem_read(r, (uintptr_t)two + page - 8, out, 16), ERR_READ);
        CHECK(strstr(diag_message(), "Cannot read") != NULL);
        CHECK_INT(mem_read(r, (uintptr_t)two + page, out, 8), ERR_READ);
        CHECK_INT(mem_read(r, 0, out, 8), ERR_READ);
        CHECK_INT(mem_read(r, UINT64_MAX - 3, out, 8), ERR_READ);
        CHECK_INT(mem_read(r, (uintptr_t)g_data, out, 0), 0);
        mem_reader_close(r);
    }
    munmap(two, (size_t)page);
}

static void test_process_readv_batching(void)
{
    size_t k;
    unsigned char *region = mmap(NULL, 65536, PROT_READ | PROT_WRITE,
                                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(region != MAP_FAILED);
    if (region == MAP_FAILED)
        return;
    fill(region, 65536, 9);
    for (k = 0; k < N_BACKENDS; k++) {
        unsigned char o[4][16];
        /* Unsorted: three spans close together and one 40 KB away. */
        struct mem_span s[4] = {
            {(uintptr_t)region + 2000, o[0], 16},
            {(uintptr_t)region + 40000, o[1], 8},
            {(uintptr_t)region, o[2], 8},
            {(uintptr_t)region + 100, o[3], 8},
        };
        struct mem_reader *r = open_self(k_backends[k]);
        uint64_t before;
        if (!r)
            continue;
        memset(o, 0, sizeof o);
        before = mem_reader_syscalls(r);
        CHECK_INT(mem_readv(r, s, 4), 0);
        CHECK(memcmp(o[0], region + 2000, 16) == 0);
        CHECK(memcmp(o[1], region + 40000, 8) == 0);
        CHECK(memcmp(o[2], region, 8) == 0);
        CHECK(memcmp(o[3], region + 100, 8) == 0);
        /* One call for process_vm_readv; one per group of nearby spans
         * for /proc/PID/mem. */
        CHECK_INT(mem_reader_syscalls(r) - before,
                  k_backends[k] == MEM_BACKEND_VM_READV ? 1 : 2);
        CHECK_INT(r->calls, 1);
        CHECK_INT(r->bytes, 40);
        mem_reader_close(r);
    }
    munmap(region, 65536);
}

/* Two readable spans with an unmapped page between them: the merged
 * /proc/PID/mem read fails and the spans must be read one by one. */
static void test_process_readv_hole(void)
{
    size_t k;
    long page = sysconf(_SC_PAGESIZE);
    unsigned char *three = mmap(NULL, (size_t)page * 3, PROT_READ | PROT_WRITE,
                                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(three != MAP_FAILED);
    if (three == MAP_FAILED)
        return;
    fill(three, (size_t)page * 3, 11);
    munmap(three + page, (size_t)page);
    for (k = 0; k < N_BACKENDS; k++) {
        unsigned char a[8], b[8], c[8];
        struct mem_span s[2] = {
            {(uintptr_t)three + 2 * page, b, 8},
            {(uintptr_t)three + page - 8, a, 8},
        };
        struct mem_span bad[3] = {s[0], s[1], {(uintptr_t)three + page + 8, c, 8}};
        struct mem_reader *r = open_self(k_backends[k]);
        uint64_t before;
        if (!r)
            continue;
        before = mem_reader_syscalls(r);
        CHECK_INT(mem_readv(r, s, 2), 0);
        CHECK(memcmp(a, three + page - 8, 8) == 0);
        CHECK(memcmp(b, three + 2 * page, 8) == 0);
        CHECK_INT(mem_reader_syscalls(r) - before,
                  k_backends[k] == MEM_BACKEND_VM_READV ? 1 : 3);
        CHECK_INT(mem_readv(r, bad, 3), ERR_READ);
        mem_reader_close(r);
    }
    munmap(three, (size_t)page);
    munmap(three + 2 * page, (size_t)page);
}

/* The span sort both backends merge by: address order, ties by index, on
 * the short insertion path and the long qsort path alike. (The merged read
 * itself stays correct on any order, so this is checked directly.) */
static void test_sort_order(void)
{
    static const size_t sizes[] = {0, 1, 2, 17, 64, 65, 300};
    static struct span_order o[300];
    size_t z, i;
    for (z = 0; z < sizeof sizes / sizeof *sizes; z++) {
        size_t n = sizes[z];
        int ok = 1;
        for (i = 0; i < n; i++)
            o[i] = (struct span_order){(uint64_t)((i * 7919) % 23) * 64, i};
        proc_reader_sort_order(o, n);
        for (i = 1; i < n; i++)
            ok &= o[i - 1].addr < o[i].addr || (o[i - 1].addr == o[i].addr && o[i - 1].idx < o[i].idx);
        CHECK(ok);
    }
}

/* A sample-sized scattered read (under 64 spans, the insertion-sort path)
 * in a scrambled order, with repeated and overlapping spans and gaps of
 * 600 to 1800 bytes across page boundaries, which process_vm_readv merges
 * into shared remote iovecs: every span must get its own bytes, in one
 * system call (a wrongly merged read would come up short and fall back). */
static void test_process_readv_scrambled(void)
{
    enum { N = 48 };
    size_t k, i;
    unsigned char *region = mmap(NULL, 65536, PROT_READ | PROT_WRITE,
                                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(region != MAP_FAILED);
    if (region == MAP_FAILED)
        return;
    fill(region, 65536, 13);
    for (k = 0; k < N_BACKENDS; k++) {
        static unsigned char out[N][40];
        struct mem_span s[N];
        struct mem_reader *r = open_self(k_backends[k]);
        uint64_t before;
        int same = 1;
        if (!r)
            continue;
        for (i = 0; i < N; i++) {
            /* (i * 29) % N scrambles the order; every fifth span repeats
             * its predecessor's address and every seventh overlaps it. */
            size_t slot = (i * 29) % N, off = 600 + slot * 1200 + (slot * 131) % 600;
            if (i % 5 == 4)
                off = (size_t)(s[i - 1].addr - (uintptr_t)region);
            else if (i % 7 == 6)
                off = (size_t)(s[i - 1].addr - (uintptr_t)region) + 8;
            s[i] = (struct mem_span){(uintptr_t)region + off, out[i], 24 + i % 16};
        }
        memset(out, 0, sizeof out);
        before = mem_reader_syscalls(r);
        CHECK_INT(mem_readv(r, s, N), 0);
        for (i = 0; i < N; i++)
            same &= memcmp(out[i], region + (s[i].addr - (uintptr_t)region), s[i].len) == 0;
        CHECK(same);
        if (k_backends[k] == MEM_BACKEND_VM_READV)
            CHECK_INT(mem_reader_syscalls(r) - before, 1);
        mem_reader_close(r);
    }
    munmap(region, 65536);
}

/* More spans than one process_vm_readv call accepts. */
static void test_process_readv_many(void)
{
    enum { N = 1500 };
    static struct mem_span s[N];
    static uint32_t out[N];
    size_t k, i;
    fill(g_data, sizeof g_data, 31);
    for (k = 0; k < N_BACKENDS; k++) {
        struct mem_reader *r = open_self(k_backends[k]);
        uint64_t before;
        int same = 1;
        if (!r)
            continue;
        for (i = 0; i < N; i++) {
            size_t off = (i * 37) % (sizeof g_data - 4);
            s[i] = (struct mem_span){(uintptr_t)g_data + off, &out[i], 4};
        }
        before = mem_reader_syscalls(r);
        CHECK_INT(mem_readv(r, s, N), 0);
        for (i = 0; i < N; i++)
            same &= memcmp(&out[i], g_data + (i * 37) % (sizeof g_data - 4), 4) == 0;
        CHECK(same);
        /* process_vm_readv takes 1024 iovecs; merged reads need room for a
         * gap before each span, so 512 spans go in a call: 3 calls. */
        CHECK_INT(mem_reader_syscalls(r) - before, k_backends[k] == MEM_BACKEND_VM_READV ? 3 : 1);
        mem_reader_close(r);
    }
}

static void test_auto_backend(void)
{
    struct mem_reader *r = NULL;
    double vm, pm;
    CHECK_INT(mem_reader_open_process(getpid(), MEM_BACKEND_AUTO, &r), 0);
    if (!r)
        return;
    vm = mem_reader_probe_ns(r, MEM_BACKEND_VM_READV);
    pm = mem_reader_probe_ns(r, MEM_BACKEND_PROC_MEM);
    printf("     auto: process_vm_readv %.0f ns, proc_mem %.0f ns -> %s\n", vm, pm,
           mem_backend_name(mem_reader_backend(r)));
    CHECK(vm > 0 && pm > 0);
    CHECK_INT(mem_reader_backend(r), pm <= vm ? MEM_BACKEND_PROC_MEM : MEM_BACKEND_VM_READV);
    fill(g_data, sizeof g_data, 2);
    {
        unsigned char out[64];
        CHECK_INT(mem_read(r, (uintptr_t)g_data + 64, out, 64), 0);
        CHECK(memcmp(out, g_data + 64, 64) == 0);
    }
    mem_reader_close(r);
}

static void kill_child(void)
{
    if (g_child > 0) {
        kill(g_child, SIGKILL);
        waitpid(g_child, NULL, 0);
        g_child = -1;
    }
}

/* A child whose copy of g_data differs from ours: reading it proves the
 * reader looks at the other process. */
static pid_t spawn_child(unsigned seed)
{
    int fds[2];
    char c;
    pid_t pid;
    if (pipe(fds) != 0)
        return -1;
    pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        fill(g_data, sizeof g_data, seed);
        if (write(fds[1], "x", 1) != 1)
            _exit(1);
        for (;;)
            pause();
    }
    close(fds[1]);
    if (pid > 0 && read(fds[0], &c, 1) != 1) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        pid = -1;
    }
    close(fds[0]);
    g_child = pid;
    return pid;
}

static void test_child_and_exit(void)
{
    enum mem_backend all[] = {MEM_BACKEND_VM_READV, MEM_BACKEND_PROC_MEM, MEM_BACKEND_AUTO};
    struct mem_reader *r[3] = {NULL, NULL, NULL};
    unsigned char expect[8192], out[8192];
    size_t k;
    pid_t pid;

    fill(g_data, sizeof g_data, 1);
    fill(expect, sizeof expect, 200);
    pid = spawn_child(200);
    CHECK(pid > 0);
    if (pid <= 0)
        return;
    for (k = 0; k < 3; k++) {
        int rc = mem_reader_open_process(pid, all[k], &r[k]);
        CHECK_INT(rc, 0);
        if (rc)
            continue;
        memset(out, 0, sizeof out);
        CHECK_INT(mem_read(r[k], (uintptr_t)g_data, out, sizeof out), 0);
        CHECK(memcmp(out, expect, sizeof out) == 0);
        CHECK(memcmp(out, g_data, sizeof out) != 0);
    }
    /* Killed but not yet reaped (a zombie), then reaped: both are gone. */
    kill(pid, SIGKILL);
    for (k = 0; k < 200; k++) {
        char path[64], st[256];
        FILE *f;
        snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
        f = fopen(path, "r");
        if (f) {
            size_t n = fread(st, 1, sizeof st - 1, f);
            fclose(f);
            st[n] = '\0';
            if (strstr(st, ") Z "))
                break;
        }
        usleep(10000);
    }
    for (k = 0; k < 3; k++) {
        if (!r[k])
            continue;
        CHECK_INT(mem_read(r[k], (uintptr_t)g_data, out, 8), ERR_NOPROC);
    }
    waitpid(pid, NULL, 0);
    g_child = -1;
    for (k = 0; k < 3; k++) {
        struct mem_span s = {(uintptr_t)g_data, out, 8};
        if (!r[k])
            continue;
        CHECK_INT(mem_read(r[k], (uintptr_t)g_data, out, 8), ERR_NOPROC);
        CHECK_INT(mem_readv(r[k], &s, 1), ERR_NOPROC);
        CHECK(strstr(diag_message(), "does not exist") != NULL);
        mem_reader_close(r[k]);
    }
    {
        struct mem_reader *gone = NULL;
        char expect_msg[64];
        snprintf(expect_msg, sizeof expect_msg, "Process with PID '%d' does not exist.", (int)pid);
        CHECK_INT(mem_reader_open_process(pid, MEM_BACKEND_AUTO, &gone), ERR_NOPROC);
        CHECK_STR(diag_message(), expect_msg);
        CHECK(gone == NULL);
    }
}

/* The AUTO probe reads regions of the target while the target runs: one
 * that maps and unmaps memory all the time must never make the open fail. */
static void test_auto_probe_survives_unmapping(void)
{
    struct mem_reader *r = NULL;
    pid_t pid = fork();
    int i, failures = 0, rc;

    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        for (;;) {
            void *p[16];
            int k;
            for (k = 0; k < 16; k++) {
                p[k] = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                if (p[k] != MAP_FAILED)
                    ((volatile char *)p[k])[0] = 1;
            }
            for (k = 0; k < 16; k++)
                if (p[k] != MAP_FAILED)
                    munmap(p[k], 1 << 16);
        }
    }
    CHECK(pid > 0);
    if (pid <= 0)
        return;
    usleep(20000);
    for (i = 0; i < 200; i++) {
        rc = mem_reader_open_process(pid, MEM_BACKEND_AUTO, &r);
        if (rc) {
            failures++;
            fprintf(stderr, "  open %d: %s\n", i, diag_message());
        } else {
            mem_reader_close(r);
        }
    }
    CHECK_INT(failures, 0);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

static void test_bad_arguments(void)
{
    struct mem_reader *r = NULL;
    CHECK_INT(mem_reader_open_process(0, MEM_BACKEND_AUTO, &r), ERR_NOPROC);
    CHECK_INT(mem_reader_open_process(-5, MEM_BACKEND_AUTO, &r), ERR_NOPROC);
    CHECK_INT(mem_reader_open_process(getpid(), (enum mem_backend)7, &r), ERR_INVALID);
    CHECK(r == NULL);
    CHECK_STR(mem_backend_name(MEM_BACKEND_VM_READV), "process_vm_readv");
    CHECK_STR(mem_backend_name(MEM_BACKEND_PROC_MEM), "proc_mem");
    CHECK_STR(mem_backend_name(MEM_BACKEND_AUTO), "auto");
    mem_reader_close(NULL);
}

int main(void)
{
    atexit(kill_child);
    RUN(test_synth_single_region);
    RUN(test_synth_adjacent_regions);
    RUN(test_synth_map_rules);
    RUN(test_synth_top_of_address_space);
    RUN(test_synth_poke);
    RUN(test_synth_readv);
    RUN(test_process_self);
    RUN(test_process_readv_batching);
    RUN(test_process_readv_hole);
    RUN(test_sort_order);
    RUN(test_process_readv_scrambled);
    RUN(test_process_readv_many);
    RUN(test_auto_backend);
    RUN(test_child_and_exit);
    RUN(test_auto_probe_survives_unmapping);
    kill_child();
    RUN(test_bad_arguments);
    return check_summary();
}

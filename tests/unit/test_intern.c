/* The interner must give equal inputs one id, distinct inputs distinct ids,
 * and keep returned pointers valid while it grows. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "intern/intern.h"

static void test_strings_dedupe_and_grow(void)
{
    struct interner *in = NULL;
    uint32_t a, b, c, ids[20000];
    const char *first;
    char buf[32];
    int i;

    CHECK_INT(interner_create(&in), 0);
    CHECK_INT(intern_cstring(in, "main.py", &a), 0);
    CHECK_INT(intern_string(in, "main.pyX", 7, &b), 0);
    CHECK_INT(intern_cstring(in, "other.py", &c), 0);
    CHECK_INT(a, b);
    CHECK(a != c);
    first = interner_string(in, a, NULL);
    for (i = 0; i < 20000; i++) {
        snprintf(buf, sizeof buf, "name_%d", i);
        CHECK_INT(intern_cstring(in, buf, &ids[i]), 0);
    }
    /* Rehashing and new chunks must not move earlier records. */
    CHECK(first == interner_string(in, a, NULL));
    CHECK_STR(interner_string(in, a, NULL), "main.py");
    for (i = 0; i < 20000; i += 997) {
        uint32_t again;
        snprintf(buf, sizeof buf, "name_%d", i);
        CHECK_INT(intern_cstring(in, buf, &again), 0);
        CHECK_INT(again, ids[i]);
        CHECK_STR(interner_string(in, ids[i], NULL), buf);
    }
    CHECK_INT(interner_string_count(in), 20002);
    CHECK(interner_string(in, 0, NULL) == NULL);
    CHECK(interner_string(in, 999999, NULL) == NULL);
    /* Embedded UTF-8 survives byte for byte. */
    CHECK_INT(intern_cstring(in, "\xc3\xb1" "and" "\xc3\xba_\xe5\x87\xbd\xe6\x95\xb0", &a), 0);
    CHECK_STR(interner_string(in, a, NULL), "\xc3\xb1" "and" "\xc3\xba_\xe5\x87\xbd\xe6\x95\xb0");
    interner_destroy(in);
}

static void test_frames(void)
{
    struct interner *in = NULL;
    tachyon_frame f;
    uint32_t id1, id2, id3, file, func, i;
    const tachyon_frame *p;

    CHECK_INT(interner_create(&in), 0);
    CHECK_INT(intern_cstring(in, "a.py", &file), 0);
    CHECK_INT(intern_cstring(in, "f", &func), 0);
    memset(&f, 0, sizeof f);
    f.kind = TACHYON_FRAME_PYTHON;
    f.filename = file;
    f.funcname = func;
    f.line = 10;
    f.opcode = TACHYON_NO_OPCODE;
    CHECK_INT(intern_frame(in, &f, &id1), 0);
    f.struct_size = 1234; /* not part of identity */
    CHECK_INT(intern_frame(in, &f, &id2), 0);
    CHECK_INT(id1, id2);
    f.opcode = 100;   /* same location, other opcode: another frame */
    CHECK_INT(intern_frame(in, &f, &id3), 0);
    CHECK(id3 != id1);
    p = interner_frame(in, id1);
    CHECK(p != NULL);
    CHECK_INT(p->struct_size, sizeof(tachyon_frame));
    CHECK_INT(p->line, 10);
    for (i = 0; i < 10000; i++) {
        uint32_t id;
        f.line = (int32_t)i + 1000;
        CHECK_INT(intern_frame(in, &f, &id), 0);
    }
    CHECK(p == interner_frame(in, id1));
    CHECK_INT(interner_frame_count(in), 10002);
    CHECK(interner_frame(in, 0) == NULL);
    CHECK(interner_memory(in) > 0);
    interner_destroy(in);
}

int main(void)
{
    RUN(test_strings_dedupe_and_grow);
    RUN(test_frames);
    return check_summary();
}

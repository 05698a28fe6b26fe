/* Parser for /proc/.../stat lines; see statparse.h. */
#include "statparse.h"

#include "../common/err.h"

#define FIELD_STATE 3
#define FIELD_UTIME 14
#define FIELD_STIME 15
#define FIELD_PROCESSOR 39

/* Parse an unsigned decimal field; the field must be all digits. */
static int parse_u64(const char *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    size_t i;

    if (n == 0 || n > 20)
        return -1;
    for (i = 0; i < n; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (d > 9 || v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int stat_parse(const char *buf, size_t len, struct stat_fields *out)
{
    size_t i, close_paren = len, start;
    int field = FIELD_STATE;
    int have_state = 0, have_utime = 0, have_stime = 0;
    uint64_t v;

    for (i = 0; i < len; i++)
        if (buf[i] == ')')
            close_paren = i;
    if (close_paren == len)
        return diag_set(ERR_CORRUPT, "stat line without a ')' after the thread name");
    out->processor = -1;

    /* Walk the space-separated fields after "<name>) ". */
    i = close_paren + 1;
    while (i < len && field <= FIELD_PROCESSOR) {
        while (i < len && buf[i] == ' ')
            i++;
        start = i;
        while (i < len && buf[i] != ' ' && buf[i] != '\n')
            i++;
        if (i == start)
            break;
        if (field == FIELD_STATE) {
            if (i - start != 1)
                return diag_set(ERR_CORRUPT, "stat line with a bad state field");
            out->state = buf[start];
            have_state = 1;
        } else if (field == FIELD_UTIME || field == FIELD_STIME || field == FIELD_PROCESSOR) {
            if (parse_u64(buf + start, i - start, &v) != 0)
                return diag_set(ERR_CORRUPT, "stat line with a bad field %d", field);
            if (field == FIELD_UTIME) {
                out->utime = v;
                have_utime = 1;
            } else if (field == FIELD_STIME) {
                out->stime = v;
                have_stime = 1;
            } else {
                out->processor = v > 1u << 20 ? -1 : (int)v;
            }
        }
        field++;
        if (i < len && buf[i] == '\n')
            break;
    }
    if (!have_state || !have_utime || !have_stime)
        return diag_set(ERR_CORRUPT, "stat line ends before field %d", FIELD_STIME);
    return 0;
}

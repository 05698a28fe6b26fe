/* One frame of the live view: header (draw_header.c), the table with the
 * columns that fit, the opcode panel, the footer, and the help and
 * "terminal too small" screens. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"

/* Optional columns appear at these terminal widths, as upstream. */
#define WIDTH_SAMPLE_PCT 80
#define WIDTH_TOTTIME 100
#define WIDTH_CUMUL_PCT 120
#define WIDTH_CUMTIME 140
#define MIN_FUNC_WIDTH 10
#define MAX_FUNC_WIDTH 40

struct lv_colors lv_col;

enum { PAIR_FILE = 2, PAIR_FUNC, PAIR_HEADER, PAIR_CYAN, PAIR_YELLOW, PAIR_GREEN, PAIR_MAGENTA, PAIR_RED,
       PAIR_SORTED, PAIR_UP, PAIR_DOWN };

void lv_colors_init(int use_colors)
{
    if (use_colors && has_colors() && start_color() == OK) {
        use_default_colors();
        init_pair(PAIR_FILE, COLOR_GREEN, -1);
        init_pair(PAIR_FUNC, COLOR_YELLOW, -1);
        init_pair(PAIR_HEADER, COLOR_BLACK, COLOR_WHITE);
        init_pair(PAIR_CYAN, COLOR_CYAN, -1);
        init_pair(PAIR_YELLOW, COLOR_YELLOW, -1);
        init_pair(PAIR_GREEN, COLOR_GREEN, -1);
        init_pair(PAIR_MAGENTA, COLOR_MAGENTA, -1);
        init_pair(PAIR_RED, COLOR_RED, -1);
        init_pair(PAIR_SORTED, COLOR_BLACK, COLOR_CYAN);
        init_pair(PAIR_UP, COLOR_GREEN, -1);
        init_pair(PAIR_DOWN, COLOR_RED, -1);
        lv_col.cyan = COLOR_PAIR(PAIR_CYAN) | A_BOLD;
        lv_col.yellow = COLOR_PAIR(PAIR_YELLOW) | A_BOLD;
        lv_col.green = COLOR_PAIR(PAIR_GREEN) | A_BOLD;
        lv_col.magenta = COLOR_PAIR(PAIR_MAGENTA) | A_BOLD;
        lv_col.red = COLOR_PAIR(PAIR_RED) | A_BOLD;
        lv_col.normal_header = COLOR_PAIR(PAIR_HEADER) | A_BOLD;
        lv_col.sorted_header = COLOR_PAIR(PAIR_SORTED) | A_BOLD;
        lv_col.file = COLOR_PAIR(PAIR_FILE);
        lv_col.func = COLOR_PAIR(PAIR_FUNC);
        lv_col.trend_up = COLOR_PAIR(PAIR_UP) | A_BOLD;
        lv_col.trend_down = COLOR_PAIR(PAIR_DOWN) | A_BOLD;
        return;
    }
    memset(&lv_col, 0, sizeof lv_col);
    lv_col.cyan = lv_col.yellow = lv_col.green = lv_col.magenta = lv_col.red = A_BOLD;
    lv_col.normal_header = A_REVERSE | A_BOLD;
    lv_col.sorted_header = A_REVERSE | A_BOLD | A_UNDERLINE;
    lv_col.trend_up = lv_col.trend_down = A_BOLD;
}

size_t lv_cplen(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

size_t lv_cpbytes(const char *s, size_t n)
{
    size_t i = 0;
    while (s[i] && n > 0) {
        i++;
        while (((unsigned char)s[i] & 0xC0) == 0x80)
            i++;
        n--;
    }
    return i;
}

int lv_put(int y, int x, const char *text, attr_t attr)
{
    int height, width, room;
    size_t cps = lv_cplen(text);

    getmaxyx(stdscr, height, width);
    room = width - 1 - x;
    if (y < 0 || y >= height || x < 0 || room <= 0)
        return (int)cps;
    attrset(attr);
    mvaddnstr(y, x, text, (int)lv_cpbytes(text, (size_t)room));
    attrset(A_NORMAL);
    return (int)cps;
}

static const char *str_or(const struct lv_state *st, tachyon_str_id id, const char *dflt)
{
    const char *s = st->host->string(st->host, id, NULL);
    return s ? s : dflt;
}

static int func_width_at(int width, int col)
{
    int w = (width - col - 1) / 2;
    return w < MIN_FUNC_WIDTH ? MIN_FUNC_WIDTH : w > MAX_FUNC_WIDTH ? MAX_FUNC_WIDTH : w;
}

static int column_headers(const struct lv_state *st, int line, int width)
{
    static const char *const names[] = {"nsamples", "%", "tottime", "%", "cumtime"};
    static const int fw[] = {13, 5, 10, 5, 10};
    const int shown[] = {1, width >= WIDTH_SAMPLE_PCT, width >= WIDTH_TOTTIME, width >= WIDTH_CUMUL_PCT,
                         width >= WIDTH_CUMTIME};
    char buf[64], bg[1024];
    int col = 0;

    snprintf(bg, sizeof bg, "%*s", width - 1 < (int)sizeof bg - 1 ? width - 1 : (int)sizeof bg - 1, "");
    lv_put(line, 0, bg, lv_col.normal_header);
    for (int c = 0; c < 5; c++) {
        if (!shown[c])
            continue;
        if (c == st->ui.sort) {
            char name[32];
            snprintf(name, sizeof name, "▼%s", names[c]);
            /* Pad by characters, not bytes: "▼" is three bytes. */
            snprintf(buf, sizeof buf, "%*s%s", fw[c] - (int)lv_cplen(name), "", name);
        } else {
            snprintf(buf, sizeof buf, "%*s", fw[c], names[c]);
        }
        lv_put(line, col, buf, c == st->ui.sort ? lv_col.sorted_header : lv_col.normal_header);
        col += fw[c] + 2;
    }
    if (col < width - 15) {
        lv_put(line, col, "function", lv_col.normal_header);
        col += func_width_at(width, col) + 2;
        if (col < width - 10)
            lv_put(line, col, "file:line", lv_col.normal_header);
    }
    return line + 1;
}

static attr_t trend_attr(const struct lv_state *st, const struct lv_row *r, int m, int selected)
{
    if (selected)
        return A_REVERSE | A_BOLD;
    if (!st->ui.trends || r->trend[m] == 0)
        return A_NORMAL;
    return r->trend[m] > 0 ? lv_col.trend_up : lv_col.trend_down;
}

static int table_rows(struct lv_state *st, int line, int height, int width, size_t limit)
{
    const struct lv_table *t = lv_current_table(st);
    const int shown[] = {1, width >= WIDTH_SAMPLE_PCT, width >= WIDTH_TOTTIME, width >= WIDTH_CUMUL_PCT,
                         width >= WIDTH_CUMTIME};
    int panel = st->ui.opcodes ? LV_OPCODE_PANEL_HEIGHT : 0;
    size_t first = st->ui.opcodes ? (size_t)st->ui.scroll : 0;

    for (size_t i = first; i < limit; i++) {
        const struct lv_row *r = &st->rows[i];
        const struct lv_func *f = &t->funcs[r->func];
        int selected = st->ui.opcodes && (int)(i - first) == st->ui.selected_row, col = 0;
        char buf[1200], num[64];

        if (line >= height - LV_FOOTER_LINES - panel)
            break;
        if (selected) {
            snprintf(buf, sizeof buf, "%*s", width - 1 < 1000 ? width - 1 : 1000, "");
            lv_put(line, 0, buf, A_REVERSE | A_BOLD);
        }
        if (st->ui.opcodes) {
            lv_put(line, 0, selected ? "►" : " ", selected ? A_REVERSE | A_BOLD : A_NORMAL);
            col += 2;
        }
        snprintf(num, sizeof num, "%llu/%llu", (unsigned long long)f->direct, (unsigned long long)f->cumulative);
        snprintf(buf, sizeof buf, "%13s  ", num);
        lv_put(line, col, buf, trend_attr(st, r, 0, selected));
        col += 15;
        for (int m = 1; m < 5; m++) {
            if (!shown[m])
                continue;
            if (m == 1 || m == 3)
                snprintf(buf, sizeof buf, "%5.1f  ", r->value[m]);
            else
                snprintf(buf, sizeof buf, "%10.3f  ", r->value[m]);
            lv_put(line, col, buf, trend_attr(st, r, m, selected));
            col += (m == 1 || m == 3) ? 7 : 12;
        }
        if (col < width - 15) {
            int fwid = func_width_at(width, col);
            const char *name = str_or(st, f->funcname, "?");
            size_t len = lv_cplen(name);
            if ((int)len > fwid)
                snprintf(buf, sizeof buf, "%.*s...", (int)lv_cpbytes(name, (size_t)fwid - 3), name);
            else
                snprintf(buf, sizeof buf, "%s%*s", name, fwid - (int)len, "");
            lv_put(line, col, buf, selected ? A_REVERSE | A_BOLD : lv_col.func);
            col += fwid + 2;
            if (col < width - 10) {
                snprintf(buf, sizeof buf, "%s:%d", lv_short_path(st, str_or(st, f->filename, "~")), (int)f->line);
                lv_put(line, col, buf, selected ? A_REVERSE | A_BOLD : lv_col.file);
            }
        }
        line++;
    }
    return line;
}

static int cmp_ops(const void *a, const void *b)
{
    const struct lv_opcode *x = a, *y = b;
    return x->count > y->count ? -1 : x->count < y->count;
}

static void opcode_panel(struct lv_state *st, int line, int height, int width, size_t limit)
{
    const struct lv_table *t = lv_current_table(st);
    size_t at = (size_t)st->ui.scroll + (size_t)st->ui.selected_row;
    const struct lv_func *f;
    struct lv_opcode *ops;
    uint64_t total = 0, max;
    char buf[1200];
    int rows;

    if (at >= limit) {
        lv_put(line, 0, "No function selected (use j/k to select)", A_NORMAL);
        return;
    }
    f = &t->funcs[st->rows[at].func];
    if (f->nops == 0) {
        snprintf(buf, sizeof buf, "No opcode data for %s() (requires --opcodes)", str_or(st, f->funcname, "?"));
        lv_put(line, 0, buf, A_NORMAL);
        return;
    }
    ops = malloc(f->nops * sizeof *ops);
    if (!ops)
        return;
    memcpy(ops, f->ops, f->nops * sizeof *ops);
    qsort(ops, f->nops, sizeof *ops, cmp_ops);
    for (size_t i = 0; i < f->nops; i++)
        total += ops[i].count;
    max = ops[0].count ? ops[0].count : 1;
    {
        int n = snprintf(buf, sizeof buf, "─── Opcodes for %s() ", str_or(st, f->funcname, "?"));
        int cps = (int)lv_cplen(buf);
        for (int c = cps; c < width - 1 && n + 4 < (int)sizeof buf; c++)
            n += snprintf(buf + n, sizeof buf - (size_t)n, "─");
        lv_put(line++, 0, buf, lv_col.cyan | A_BOLD);
    }
    rows = height - line - 3;
    rows = rows < 8 ? rows : 8;
    for (int i = 0; i < rows && (size_t)i < f->nops && line < height - 3; i++) {
        char name[160], bar[128];
        int fill = (int)((double)ops[i].count / (double)max * 20.0), n = 0;
        const char *op = str_or(st, ops[i].name, "?");
        if (ops[i].base)
            snprintf(name, sizeof name, "%s (%s)", op, str_or(st, ops[i].base, "?"));
        else
            snprintf(name, sizeof name, "%s", op);
        for (int b = 0; b < 20; b++)
            n += snprintf(bar + n, sizeof bar - (size_t)n, "%s", b < fill ? "█" : "░");
        snprintf(buf, sizeof buf, "[%s] %-35s %5.1f%% (%6llu)", bar, name,
                 total ? (double)ops[i].count / (double)total * 100.0 : 0.0, (unsigned long long)ops[i].count);
        lv_put(line++, 2, buf, ops[i].base ? lv_col.magenta : lv_col.yellow);
    }
    if (f->nops > (size_t)(rows > 0 ? rows : 0)) {
        snprintf(buf, sizeof buf, "... and %zu more opcodes", f->nops - (size_t)(rows > 0 ? rows : 0));
        lv_put(line, 2, buf, A_NORMAL);
    }
    free(ops);
}

static const char *sort_name(int sort)
{
    static const char *const names[] = {"Direct Samples", "Sample %", "Total Time", "Cumulative %",
                                        "Cumulative Time"};
    return names[sort];
}

static void footer(const struct lv_state *st, int height, int width)
{
    char buf[LV_FILTER_MAX + 256];
    size_t n = 0;

    lv_put(height - 2, 0, "nsamples: direct/cumulative (direct=executing, cumulative=on stack)", A_DIM);
    buf[0] = '\0';
    if (st->ui.finished)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "[PROFILING FINISHED - Press 'q' to quit] ");
    else if (st->ui.paused)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "[PAUSED] ");
    if (st->ui.filter[0] && n < sizeof buf)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "[Filter: %s (c to clear)] ", st->ui.filter);
    if (!st->ui.trends && n < sizeof buf)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "[Trend colors: OFF] ");
    if (st->ui.finished) {
        /* Upstream's footer is the status alone once finished. */
        if (n > 0)
            buf[n - 1] = '\0';
    } else if (n < sizeof buf) {
        snprintf(buf + n, sizeof buf - n, "Sort: %s | 't':mode 'x':trends ←→:thread 'h':help 'q':quit",
                 sort_name(st->ui.sort));
    }
    lv_put(height - 1, 0, buf, st->ui.paused || st->ui.finished ? A_BOLD : A_DIM);
    if (st->ui.filter_input) {
        snprintf(buf, sizeof buf, "Function filter: %s_", st->ui.input);
        move(height - 1, 0);
        clrtoeol();
        lv_put(height - 1, 0, buf, A_REVERSE | A_BOLD);
    }
    (void)width;
}

static void help_screen(int height, int width)
{
    static const struct { const char *text; int bold; } lines[] = {
        {"Tachyon Profiler - Interactive Commands", 1}, {"", 0},
        {"Navigation & Display:", 1},
        {"  s           - Cycle through sort modes (forward)", 0},
        {"  S           - Cycle through sort modes (backward)", 0},
        {"  t           - Toggle view mode (ALL / per-thread)", 0},
        {"  x           - Toggle trend colors (on/off)", 0},
        {"  j/k or ↑/↓  - Select next/previous function (--opcodes)", 0},
        {"  ← / →       - Cycle through threads", 0},
        {"  +           - Faster display refresh rate", 0},
        {"  -           - Slower display refresh rate", 0}, {"", 0},
        {"Control:", 1},
        {"  p           - Freeze display (snapshot)", 0},
        {"  r           - Reset all statistics", 0}, {"", 0},
        {"Filtering:", 1},
        {"  /           - Enter function filter (substring)", 0},
        {"  c           - Clear filter", 0},
        {"  ESC         - Cancel filter input", 0}, {"", 0},
        {"Other:", 1},
        {"  h or ?      - Show/hide this help", 0},
        {"  q           - Quit profiler", 0}, {"", 0},
        {"Press any key to close this help screen", 1},
    };
    int n = (int)(sizeof lines / sizeof lines[0]), start = (height - n) / 2;
    (void)width;
    for (int i = 0; i < n; i++)
        if (start + i >= 0 && start + i < height - 1)
            lv_put(start + i, 2, lines[i].text, lines[i].bold ? A_BOLD : A_NORMAL);
}

static void centred(int y, int width, const char *text, attr_t attr)
{
    int x = (width - (int)lv_cplen(text)) / 2;
    lv_put(y, x > 0 ? x : 0, text, attr);
}

static void too_small(int height, int width)
{
    char need[32], have[32];
    snprintf(need, sizeof need, "Need: %dx%d", LV_MIN_WIDTH, LV_MIN_HEIGHT);
    snprintf(have, sizeof have, "Have: %dx%d", width, height);
    if (height >= 4) {
        centred(height / 2 - 2, width, "Terminal too small!", A_BOLD);
        centred(height / 2 - 1, width, need, A_NORMAL);
        centred(height / 2, width, have, A_NORMAL);
        centred(height / 2 + 1, width, "Please resize", A_NORMAL);
    } else if (height >= 1) {
        lv_put(0, 0, "Terminal too small!", A_BOLD);
    }
}

void lv_draw_size_warning(int height, int width)
{
    char req[32], cur[32];
    erase();
    snprintf(req, sizeof req, "Required: %dx%d", LV_MIN_WIDTH, LV_MIN_HEIGHT);
    snprintf(cur, sizeof cur, "Current:  %dx%d", width, height);
    if (height >= 5) {
        centred(height / 2 - 2, width, "WARNING: Terminal too small!", A_BOLD);
        centred(height / 2 - 1, width, req, A_NORMAL);
        centred(height / 2, width, cur, A_NORMAL);
        centred(height / 2 + 1, width, "Please resize your terminal for best experience", A_NORMAL);
        centred(height / 2 + 3, width, "Press any key to continue...", A_DIM);
    } else if (height >= 1) {
        lv_put(0, 0, "WARNING: Terminal too small!", A_BOLD);
    }
    refresh();
}

void lv_draw(struct lv_state *st)
{
    int height, width, line, max_rows;
    size_t limit;

    getmaxyx(stdscr, height, width);
    erase();
    if (st->ui.size_warning) {
        lv_draw_size_warning(height, width);
        return;
    }
    if (width < LV_MIN_WIDTH || height < LV_MIN_HEIGHT) {
        too_small(height, width);
        refresh();
        return;
    }
    if (st->ui.help) {
        help_screen(height, width);
        refresh();
        return;
    }
    max_rows = height - LV_HEADER_LINES - (st->ui.finished ? LV_BANNER_LINES : 0) - LV_FOOTER_LINES -
               LV_SAFETY_MARGIN;
    limit = max_rows > 0 ? (size_t)max_rows : 0;
    if (limit > st->nrows)
        limit = st->nrows;
    line = lv_draw_header(st, width);
    line = column_headers(st, line, width);
    line = table_rows(st, line, height, width, limit);
    if (st->ui.opcodes)
        opcode_panel(st, line, height, width, limit);
    footer(st, height, width);
    refresh();
}

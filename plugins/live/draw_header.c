/* The header: title and session line, sample rate and efficiency bars,
 * thread status shares, function counts, the top three, the finished
 * banner and the separator, with upstream's columns and widths. */
#include <stdio.h>
#include <string.h>

#include "draw.h"

#define MIN_BAR_WIDTH 10
#define MAX_RATE_BAR 30
#define MAX_EFFICIENCY_BAR 60

static void format_rate(char *buf, size_t len, double hz)
{
    if (hz >= 1e6)
        snprintf(buf, len, "%.1fMHz", hz / 1e6);
    else if (hz >= 1e3)
        snprintf(buf, len, "%.1fKHz", hz / 1e3);
    else
        snprintf(buf, len, "%.1fHz", hz);
}

static double elapsed_s(const struct lv_state *st)
{
    const tachyon_stats *hs = st->host->stats(st->host);
    if (st->ui.finished)
        return (double)st->finish_duration_ns / 1e9;
    return hs ? (double)hs->duration_ns / 1e9 : 0.0;
}

static int session_line(struct lv_state *st, int line, int width)
{
    const tachyon_session *ss = st->host->session;
    char pid[32], thread[64], uptime[32], clock[16], interval[32], display[32];
    unsigned long up = (unsigned long)elapsed_s(st);
    time_t now = st->ui.finished ? st->finish_wall : time(NULL);
    struct tm tm;
    attr_t thread_attr = lv_col.green;
    int col = 0;

    snprintf(pid, sizeof pid, "%lld", (long long)ss->pid);
    if (st->ui.per_thread && st->ui.thread_index < st->stats.nthreads) {
        snprintf(thread, sizeof thread, "%llu (%zu/%zu)",
                 (unsigned long long)st->stats.threads[st->ui.thread_index].id, st->ui.thread_index + 1,
                 st->stats.nthreads);
        thread_attr = lv_col.magenta;
    } else {
        snprintf(thread, sizeof thread, "ALL");
    }
    if (up >= 3600)
        snprintf(uptime, sizeof uptime, "%luh%02lum%02lus", up / 3600, up % 3600 / 60, up % 60);
    else
        snprintf(uptime, sizeof uptime, "%lum%02lus", up / 60, up % 60);
    localtime_r(&now, &tm);
    strftime(clock, sizeof clock, "%H:%M:%S", &tm);
    snprintf(interval, sizeof interval, "%lluµs", (unsigned long long)ss->interval_us);
    snprintf(display, sizeof display, "%.1fHz", st->ui.refresh_s > 0 ? 1.0 / st->ui.refresh_s : 0.0);
    {
        const struct { const char *text; attr_t attr; } parts[] = {
            {"PID: ", A_BOLD}, {pid, lv_col.cyan}, {" │ ", A_DIM},
            {"Thread: ", A_BOLD}, {thread, thread_attr}, {" │ ", A_DIM},
            {"Uptime: ", A_BOLD}, {uptime, lv_col.green}, {" │ ", A_DIM},
            {"Time: ", A_BOLD}, {clock, lv_col.yellow}, {" │ ", A_DIM},
            {"Interval: ", A_BOLD}, {interval, lv_col.magenta}, {" │ ", A_DIM},
            {"Display: ", A_BOLD}, {display, lv_col.cyan},
        };
        for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
            if (col < width - 1)
                col += lv_put(line, col, parts[i].text, parts[i].attr);
    }
    return line + 1;
}

static int sample_line(struct lv_state *st, int line, int width)
{
    const tachyon_stats *hs = st->host->stats(st->host);
    uint64_t total = hs ? hs->attempts : 0;
    double el = elapsed_s(st), rate = el > 0 ? (double)total / el : 0.0;
    double target = 1e6 / (double)(st->host->session->interval_us ? st->host->session->interval_us : 1);
    char buf[96], cur[32], tgt[32], label[96];
    int col = 0, avail;

    if (rate > st->max_rate)
        st->max_rate = rate;
    lv_put(line, col, "Samples: ", A_BOLD);
    col += 9;
    snprintf(buf, sizeof buf, "%8llu", (unsigned long long)total);
    lv_put(line, col, buf, lv_col.cyan);
    col += 8;
    snprintf(buf, sizeof buf, " total (%7.1f/s) ", rate);
    lv_put(line, col, buf, A_NORMAL);
    col += 23;
    format_rate(tgt, sizeof tgt, target);
    if (rate > 0) {
        double pct = rate / target * 100.0;
        format_rate(cur, sizeof cur, rate);
        if (pct > 100.0)
            pct = 100.0;
        if (pct >= 99.5)
            snprintf(label, sizeof label, " %s/%s (100%%)", cur, tgt);
        else
            snprintf(label, sizeof label, " %s/%s (%4.1f%%)", cur, tgt, pct);
    } else {
        snprintf(label, sizeof label, " target: %s", tgt);
    }
    avail = width - col - (int)lv_cplen(label) - 3;
    if (avail >= MIN_BAR_WIDTH) {
        int bw = avail < MAX_RATE_BAR ? avail : MAX_RATE_BAR;
        double ref = target > 100.0 ? target : 100.0, norm = rate / ref;
        int fill = (int)((norm > 1.0 ? 1.0 : norm) * bw);
        char bar[MAX_RATE_BAR * 3 + 3];
        size_t n = 0;
        bar[n++] = '[';
        for (int i = 0; i < bw; i++) {
            memcpy(bar + n, i < fill ? "█" : "░", 3);
            n += 3;
        }
        bar[n++] = ']';
        bar[n] = '\0';
        lv_put(line, col, bar, lv_col.green);
        col += bw + 2;
        if (col + (int)lv_cplen(label) < width - 1)
            lv_put(line, col + 1, label, A_DIM);
    }
    return line + 1;
}

static int efficiency_line(struct lv_state *st, int line, int width)
{
    const tachyon_stats *hs = st->host->stats(st->host);
    uint64_t total = hs && hs->attempts ? hs->attempts : 1;
    uint64_t good = hs ? hs->successes : 0, bad = hs ? hs->failures : 0;
    char label[64];
    int col = 11, avail;

    lv_put(line, 0, "Efficiency:", A_BOLD);
    snprintf(label, sizeof label, " %5.2f%% good, %5.2f%% failed", (double)good / (double)total * 100.0,
             (double)bad / (double)total * 100.0);
    avail = width - col - (int)strlen(label) - 3;
    if (avail >= MIN_BAR_WIDTH) {
        int bw = avail < MAX_EFFICIENCY_BAR ? avail : MAX_EFFICIENCY_BAR;
        int ok = (int)((double)good / (double)total * bw), i;
        char run[MAX_EFFICIENCY_BAR * 3 + 1];
        lv_put(line, col++, "[", A_NORMAL);
        for (i = 0; i < bw; i++)
            memcpy(run + 3 * i, "█", 3);
        run[3 * ok] = '\0';
        lv_put(line, col, run, lv_col.green);
        run[3 * ok] = run[0];
        run[3 * bw] = '\0';
        lv_put(line, col + ok, run + 3 * ok, lv_col.red);
        col += bw;
        lv_put(line, col++, "]", A_NORMAL);
        lv_put(line, col + 1, label, A_NORMAL);
    }
    return line + 1;
}

static int pct_stat(int line, int col, double v, const char *label, attr_t attr, int sep)
{
    char buf[32];
    if (sep) {
        lv_put(line, col, " │ ", A_DIM);
        col += 3;
    }
    /* Drawn at fixed offsets like upstream, so "100.0" loses its last digit
     * under the "%" ("100.%"). */
    snprintf(buf, sizeof buf, "%4.1f", v);
    lv_put(line, col, buf, attr);
    col += 4;
    snprintf(buf, sizeof buf, "%% %s", label);
    lv_put(line, col, buf, A_NORMAL);
    return col + (int)strlen(label) + 2;
}

static int thread_line(struct lv_state *st, int line, int width)
{
    const struct lv_table *t = lv_current_table(st);
    double total = t->samples ? (double)t->samples : 1.0;
    double on = (double)t->has_gil / total * 100.0;
    int gil_mode = st->host->session->mode == TACHYON_MODE_GIL, col = 11;

    lv_put(line, 0, "Threads:   ", A_BOLD);
    if (!gil_mode) {
        col = pct_stat(line, col, on, "on gil", lv_col.green, 0);
        col = pct_stat(line, col, 100.0 - on, "off gil", lv_col.red, 1);
        if (col < width - 30)
            col = pct_stat(line, col, (double)t->gil_requested / total * 100.0, "waiting for gil",
                           lv_col.yellow, 1);
    }
    if (col < width - 15)
        col = pct_stat(line, col, (double)t->has_exception / total * 100.0, "exc", lv_col.red, col > 11);
    if (col < width - 15)
        pct_stat(line, col, (double)t->in_gc / total * 100.0, "GC", lv_col.magenta, col > 11);
    return line + 1;
}

static int function_line(struct lv_state *st, int line, int width, size_t shown)
{
    const struct lv_table *t = lv_current_table(st);
    size_t exec = 0;
    char buf[32];
    int col = 11;

    for (size_t i = 0; i < t->nfuncs; i++)
        exec += t->funcs[i].direct > 0;
    lv_put(line, 0, "Functions: ", A_BOLD);
    snprintf(buf, sizeof buf, "%5zu", t->nfuncs);
    lv_put(line, col, buf, lv_col.cyan);
    col += 5;
    lv_put(line, col, " total", A_NORMAL);
    col += 6;
    if (col < width - 25) {
        lv_put(line, col, " │ ", A_DIM);
        snprintf(buf, sizeof buf, "%5zu", exec);
        lv_put(line, col + 3, buf, lv_col.green);
        lv_put(line, col + 8, " exec", A_NORMAL);
        col += 13;
    }
    if (col < width - 25) {
        lv_put(line, col, " │ ", A_DIM);
        snprintf(buf, sizeof buf, "%5zu", t->nfuncs - exec);
        lv_put(line, col + 3, buf, lv_col.yellow);
        lv_put(line, col + 8, " stack", A_NORMAL);
        col += 14;
    }
    if (col < width - 20) {
        lv_put(line, col, " │ ", A_DIM);
        snprintf(buf, sizeof buf, "%5zu", shown);
        lv_put(line, col + 3, buf, lv_col.magenta);
        lv_put(line, col + 8, " shown", A_NORMAL);
    }
    return line + 1;
}

static int top_line(struct lv_state *st, int line, int width, size_t shown)
{
    static const char *const medals[] = {"🥇 ", "🥈 ", "🥉 "};
    const attr_t colors[] = {lv_col.red, lv_col.yellow, lv_col.green};
    const struct lv_table *t = lv_current_table(st);
    size_t pick[3];
    int npick = 0, col = 11, displayed = 0;

    lv_put(line, 0, "Top 3:     ", A_BOLD);
    /* The three shown rows with the most direct samples; ties keep the
     * table's order. */
    for (int k = 0; k < 3; k++) {
        size_t best = (size_t)-1;
        for (size_t i = 0; i < shown; i++) {
            int taken = 0;
            for (int j = 0; j < npick; j++)
                taken |= pick[j] == i;
            if (taken || st->rows[i].value[0] <= 0)
                continue;
            if (best == (size_t)-1 || st->rows[i].value[0] > st->rows[best].value[0])
                best = i;
        }
        if (best == (size_t)-1)
            break;
        pick[npick++] = best;
    }
    for (int k = 0; k < npick && col < width - 20; k++) {
        const struct lv_row *r = &st->rows[pick[k]];
        const char *name = st->host->string(st->host, t->funcs[r->func].funcname, NULL);
        char nm[128], pct[48];
        int avail = width - col - 15, maxlen;
        size_t len;

        name = name ? name : "?";
        if (col + 3 < width - 15) {
            lv_put(line, col, medals[displayed], colors[displayed]);
            col += 3;
            avail = width - col - 15;
        }
        maxlen = avail < 5 ? 5 : avail > 25 ? 25 : avail;
        len = lv_cplen(name);
        if ((int)len > maxlen) {
            size_t b = lv_cpbytes(name, (size_t)maxlen - 3);
            snprintf(nm, sizeof nm, "%.*s...", (int)b, name);
        } else {
            snprintf(nm, sizeof nm, "%s", name);
        }
        len = lv_cplen(nm);
        if (col + (int)len >= width - 10)
            continue;
        lv_put(line, col, nm, colors[displayed]);
        col += (int)len;
        if (r->value[1] >= 0.1)
            snprintf(pct, sizeof pct, " (%.1f%%)", r->value[1]);
        else
            snprintf(pct, sizeof pct, " (%llu)", (unsigned long long)r->value[0]);
        lv_put(line, col, pct, A_DIM);
        col += (int)strlen(pct);
        displayed++;
        if (displayed < 3 && col < width - 30) {
            lv_put(line, col, " │ ", A_DIM);
            col += 3;
        }
    }
    if (displayed == 0 && col < width - 25)
        lv_put(line, col, "(collecting samples...)", A_DIM);
    return line + 1;
}

static int banner(int line, int width)
{
    static const char msg[] = "  ✓ PROFILING COMPLETE - Final Results Below - Press 'q' to Quit  ";
    char buf[1024];
    int len = (int)lv_cplen(msg);

    line++;
    if (len < width - 1 && width < (int)sizeof buf - 100) {
        int pad = width - len - 1, left = pad / 2;
        snprintf(buf, sizeof buf, "%*s%s%*s", left, "", msg, pad - left, "");
        lv_put(line, 0, buf, A_REVERSE | A_BOLD | lv_col.green);
    } else {
        lv_put(line, 0, msg, A_REVERSE | A_BOLD | lv_col.green);
    }
    return line + 2;
}

int lv_draw_header(struct lv_state *st, int width)
{
    int height = getmaxy(stdscr), line = 0;
    int max_rows = height - LV_HEADER_LINES - (st->ui.finished ? LV_BANNER_LINES : 0) - LV_FOOTER_LINES -
                   LV_SAFETY_MARGIN;
    size_t shown = max_rows > 0 ? (size_t)max_rows : 0;

    if (shown > st->nrows)
        shown = st->nrows;
    lv_put(line++, 0, "Tachyon Profiler", A_BOLD | lv_col.cyan);
    line = session_line(st, line, width);
    line = sample_line(st, line, width);
    line = efficiency_line(st, line, width);
    line = thread_line(st, line, width);
    line = function_line(st, line, width, shown);
    line = top_line(st, line, width, shown);
    if (st->ui.finished)
        line = banner(line, width);
    {
        /* One call for the whole rule: per-cell calls cost more than the
         * rest of the header. */
        static char rule[3 * 1024 + 1];
        int n = width - 1 < 1024 ? width - 1 : 1024;
        for (int c = 0; c < n; c++)
            memcpy(rule + 3 * c, "─", 3);
        rule[3 * (n > 0 ? n : 0)] = '\0';
        lv_put(line, 0, rule, A_DIM);
    }
    return line + 1;
}

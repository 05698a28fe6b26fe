/* The live plugin's state, shared by its files: the counts (stats.h), what
 * the user chose with the keys (struct lv_ui), and the terminal. */
#ifndef LIVE_LIVE_H
#define LIVE_LIVE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <tachyon/plugin.h>

#include "stats.h"

/* Facts of upstream's layout. */
#define LV_MIN_WIDTH 60
#define LV_MIN_HEIGHT 12
#define LV_HEADER_LINES 10
#define LV_FOOTER_LINES 2
#define LV_SAFETY_MARGIN 1
#define LV_BANNER_LINES 3
#define LV_OPCODE_PANEL_HEIGHT 12
#define LV_MIN_SAMPLES_FOR_TUI 200
#define LV_FILTER_MAX 256

enum lv_sort { LV_SORT_NSAMPLES, LV_SORT_SAMPLE_PCT, LV_SORT_TOTTIME, LV_SORT_CUMUL_PCT, LV_SORT_CUMTIME };

struct lv_ui {
    int sort;                   /* enum lv_sort */
    int paused;
    int help;
    int filter_input;           /* the "Function filter:" prompt is open */
    char filter[LV_FILTER_MAX]; /* applied filter, "" for none */
    char input[LV_FILTER_MAX];  /* the prompt's text */
    int per_thread;
    size_t thread_index;
    int trends;                 /* trend colours on */
    double refresh_s;           /* display interval: 0.05 .. 1.0 */
    int opcodes;                /* --opcodes: selection and opcode panel */
    int selected_row, scroll;
    int finished;               /* the target is gone: frozen, banner */
    int quit;
    int dirty;                  /* redraw at the next chance */
    int size_warning;           /* showing the start-up "too small" warning */
};

/* One table row, ready to draw. */
struct lv_row {
    uint32_t func;
    double value[5];            /* nsamples, sample %, tottime, cumul %, cumtime */
    signed char trend[5];       /* -1 down, 0 stable, 1 up */
};

struct lv_state {
    const tachyon_host *host;
    struct lv_stats stats;
    struct lv_ui ui;
    struct lv_row *rows;
    size_t nrows, cap_rows;
    double interval_s;
    int tui;                    /* the terminal is ours */
    uint64_t last_draw_ns, now_ns;
    uint64_t finish_duration_ns; /* frozen uptime once finished */
    time_t finish_wall;
    double max_rate;
    /* What refreshing costs the sampling loop, logged at debug level. */
    uint64_t draws, draw_ns, draw_max_ns;
    uint64_t final_attempts, final_duration_ns; /* host statistics at finish */
};

/* view.c: the rows of the table being shown (filtered, sorted, trends). */
struct lv_table *lv_current_table(struct lv_state *st);
int lv_build_rows(struct lv_state *st, int update_trends);
const char *lv_short_path(const struct lv_state *st, const char *path);

/* draw.c / draw_header.c */
void lv_draw(struct lv_state *st);
int lv_draw_header(struct lv_state *st, int width);
void lv_draw_size_warning(int height, int width);

/* keys.c: one key; returns 1 when it changed what the screen shows. */
int lv_key(struct lv_state *st, int ch);

/* term.c */
int lv_term_open(struct lv_state *st);
int lv_term_input_fd(void);
void lv_term_close(void);

#endif

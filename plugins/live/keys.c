/* The keys of the live view, as upstream binds them. */
#include <curses.h>
#include <string.h>

#include "live.h"

#define KEY_ESCAPE 27

static void cycle_sort(struct lv_ui *ui, int step)
{
    ui->sort = (ui->sort + step + 5) % 5;
}

/* Rows the table shows, and how many of them fit above the opcode panel. */
static void visible(struct lv_state *st, size_t *total, int *rows)
{
    int height = getmaxy(stdscr);
    int max = height - LV_HEADER_LINES - (st->ui.finished ? LV_BANNER_LINES : 0) - LV_FOOTER_LINES -
              LV_SAFETY_MARGIN;
    lv_build_rows(st, 0);
    *total = st->nrows < (size_t)(max > 0 ? max : 0) ? st->nrows : (size_t)(max > 0 ? max : 0);
    *rows = height - 8 - 2 - LV_OPCODE_PANEL_HEIGHT;
    if (*rows < 1)
        *rows = 1;
}

static void clamp(struct lv_ui *ui, size_t total, int rows)
{
    int max_scroll = (int)total - rows > 0 ? (int)total - rows : 0, max_sel;
    if (ui->scroll > max_scroll)
        ui->scroll = max_scroll;
    max_sel = rows - 1 < (int)total - ui->scroll - 1 ? rows - 1 : (int)total - ui->scroll - 1;
    if (ui->selected_row > (max_sel > 0 ? max_sel : 0))
        ui->selected_row = max_sel > 0 ? max_sel : 0;
}

static void select_down(struct lv_state *st)
{
    size_t total;
    int rows;
    if (!st->ui.opcodes)
        return;
    visible(st, &total, &rows);
    if (total == 0)
        return;
    if ((size_t)(st->ui.scroll + st->ui.selected_row) + 1 < total) {
        if (st->ui.selected_row < rows - 1)
            st->ui.selected_row++;
        else
            st->ui.scroll++;
    }
    clamp(&st->ui, total, rows);
}

static void select_up(struct lv_state *st)
{
    size_t total;
    int rows;
    if (!st->ui.opcodes)
        return;
    if (st->ui.selected_row > 0)
        st->ui.selected_row--;
    else if (st->ui.scroll > 0)
        st->ui.scroll--;
    visible(st, &total, &rows);
    if (total > 0)
        clamp(&st->ui, total, rows);
}

static void thread_step(struct lv_state *st, int step)
{
    size_t n = st->stats.nthreads;
    if (n == 0)
        return;
    if (!st->ui.per_thread) {
        st->ui.per_thread = 1;
        st->ui.thread_index = step > 0 ? 0 : n - 1;
    } else {
        st->ui.thread_index = (st->ui.thread_index + n + (size_t)(step > 0 ? 1 : n - 1)) % n;
    }
}

static int filter_key(struct lv_ui *ui, int ch)
{
    size_t len = strlen(ui->input);
    if (ch == KEY_ESCAPE) {
        ui->filter_input = 0;
        ui->input[0] = '\0';
    } else if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
        memcpy(ui->filter, ui->input, sizeof ui->filter);
        ui->filter_input = 0;
        ui->input[0] = '\0';
    } else if (ch == 127 || ch == KEY_BACKSPACE || ch == 8) {
        if (len > 0)
            ui->input[len - 1] = '\0';
    } else if (ch >= 32 && ch < 127 && len + 1 < sizeof ui->input) {
        ui->input[len] = (char)ch;
        ui->input[len + 1] = '\0';
    } else {
        return 0;
    }
    return 1;
}

int lv_key(struct lv_state *st, int ch)
{
    struct lv_ui *ui = &st->ui;

    if (ch == ERR)
        return 0;
    if (ch == KEY_RESIZE)
        return 1;
    if (ui->size_warning) {
        ui->size_warning = 0;
        return 1;
    }
    if (ui->filter_input)
        return filter_key(ui, ch);
    if (ch == 'h' || ch == 'H' || ch == '?') {
        ui->help = !ui->help;
        return 1;
    }
    if (ui->help) {
        ui->help = 0;
        return 1;
    }
    switch (ch) {
    case 'q': case 'Q': ui->quit = 1; return 0;
    case 's': cycle_sort(ui, 1); break;
    case 'S': cycle_sort(ui, -1); break;
    case 'p': case 'P': ui->paused = !ui->paused; break;
    case 'r': case 'R':
        /* Nothing to restart once the target is gone. */
        if (ui->finished || st->host->request_reset(st->host) != 0)
            return 0;
        lv_stats_reset(&st->stats);
        ui->per_thread = 0;
        ui->thread_index = 0;
        ui->selected_row = ui->scroll = 0;
        st->max_rate = 0;
        break;
    case '+': case '=': ui->refresh_s = ui->refresh_s - 0.05 < 0.05 ? 0.05 : ui->refresh_s - 0.05; break;
    case '-': case '_': ui->refresh_s = ui->refresh_s + 0.05 > 1.0 ? 1.0 : ui->refresh_s + 0.05; break;
    case 'c': case 'C': ui->filter[0] = '\0'; break;
    case '/':
        ui->filter_input = 1;
        memcpy(ui->input, ui->filter, sizeof ui->input);
        break;
    case 't': case 'T':
        if (ui->per_thread)
            ui->per_thread = 0;
        else if (st->stats.nthreads > 0) {
            ui->per_thread = 1;
            ui->thread_index = 0;
        }
        break;
    case 'x': case 'X': ui->trends = !ui->trends; break;
    case 'j': case 'J': select_down(st); break;
    case 'k': case 'K': select_up(st); break;
    case KEY_UP: if (ui->opcodes) select_up(st); else thread_step(st, -1); break;
    case KEY_DOWN: if (ui->opcodes) select_down(st); else thread_step(st, 1); break;
    case KEY_LEFT: thread_step(st, -1); break;
    case KEY_RIGHT: thread_step(st, 1); break;
    default: return 0;
    }
    return 1;
}

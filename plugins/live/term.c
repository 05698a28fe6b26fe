/* The terminal while the live view owns it: ncurses on standard output,
 * keys from standard input (or /dev/tty), our own stderr set aside so no
 * message tears the screen, and the terminal restored on every way out,
 * including a crash signal in this plugin. */
#include <curses.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <term.h>
#include <termios.h>
#include <unistd.h>

#include "draw.h"
#include "live.h"

static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
#define NCRASH (sizeof crash_signals / sizeof crash_signals[0])

static SCREEN *g_screen;
static FILE *g_tty_in;            /* /dev/tty when stdin is not a terminal */
static int g_in_fd = -1;
static int g_out_fd = -1;
static struct termios g_saved;
static int g_have_saved;
static char g_restore[256];       /* leave the alternate screen, show the cursor */
static size_t g_restore_len;
static struct sigaction g_old[NCRASH];
static int g_saved_err = -1;      /* our stderr while it is set aside */
static FILE *g_err_tmp;

static void append_cap(const char *name)
{
    char *cap = tigetstr((char *)name);
    size_t n;
    if (!cap || cap == (char *)-1)
        return;
    n = strlen(cap);
    if (g_restore_len + n < sizeof g_restore) {
        memcpy(g_restore + g_restore_len, cap, n);
        g_restore_len += n;
    }
}

/* Only async-signal-safe calls: restore the saved terminal modes, write the
 * prepared escape sequences, give stderr back, then die of the signal. */
static void on_crash(int sig)
{
    ssize_t unused;
    if (g_have_saved)
        tcsetattr(g_out_fd, TCSANOW, &g_saved);
    if (g_restore_len)
        unused = write(g_out_fd, g_restore, g_restore_len);
    unused = write(g_out_fd, "\r\n", 2);
    (void)unused;
    if (g_saved_err >= 0)
        dup2(g_saved_err, 2);
    raise(sig);
}

static void install_crash_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_crash;
    sigemptyset(&sa.sa_mask);
    /* Reset to the default first, so raise() in the handler is fatal. */
    sa.sa_flags = (int)SA_RESETHAND | SA_NODEFER;
    for (size_t i = 0; i < NCRASH; i++)
        sigaction(crash_signals[i], &sa, &g_old[i]);
}

static void restore_crash_handlers(void)
{
    for (size_t i = 0; i < NCRASH; i++)
        sigaction(crash_signals[i], &g_old[i], NULL);
}

/* Anything written to our stderr during the session (host warnings, a
 * plugin's log) would tear the screen: keep it and print it afterwards. */
static void set_stderr_aside(void)
{
    fflush(stderr);
    g_err_tmp = tmpfile();
    if (!g_err_tmp)
        return;
    g_saved_err = dup(2);
    if (g_saved_err < 0 || dup2(fileno(g_err_tmp), 2) < 0) {
        if (g_saved_err >= 0)
            close(g_saved_err);
        g_saved_err = -1;
        fclose(g_err_tmp);
        g_err_tmp = NULL;
    }
}

static void give_stderr_back(void)
{
    char buf[4096];
    size_t n;
    if (g_saved_err < 0)
        return;
    fflush(stderr);
    dup2(g_saved_err, 2);
    close(g_saved_err);
    g_saved_err = -1;
    rewind(g_err_tmp);
    while ((n = fread(buf, 1, sizeof buf, g_err_tmp)) > 0)
        fwrite(buf, 1, n, stderr);
    fflush(stderr);
    fclose(g_err_tmp);
    g_err_tmp = NULL;
}

/* ncurses keeps caches (the terminal description) in its static data for
 * the life of the process. The host unloads this plugin, and ncurses with
 * it, at exit; pin the libraries so that memory stays reachable instead of
 * turning into leaks. */
static void pin_library(const void *symbol)
{
    Dl_info info;
    if (dladdr(symbol, &info) && info.dli_fname)
        (void)dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD | RTLD_NODELETE);
}

static void utf8_ctype(void)
{
    const char *cs;
    /* Only the character type: numbers must keep printing with '.'. */
    setlocale(LC_CTYPE, "");
    cs = nl_langinfo(CODESET);
    if (!cs || strcmp(cs, "UTF-8") != 0)
        setlocale(LC_CTYPE, "C.UTF-8");
}

int lv_term_open(struct lv_state *st)
{
    const tachyon_host *h = st->host;
    FILE *in = stdin;
    const char *nc = getenv("NO_COLOR");

    if (!isatty(STDOUT_FILENO)) {
        h->log(h, TACHYON_LOG_ERROR, "standard output is not a terminal; the live view needs one");
        return TACHYON_ERR_UNSUPPORTED;
    }
    if (!isatty(STDIN_FILENO)) {
        g_tty_in = fopen("/dev/tty", "r");
        if (!g_tty_in) {
            h->log(h, TACHYON_LOG_ERROR, "cannot read keys: standard input is not a terminal and /dev/tty: %s",
                   strerror(errno));
            return TACHYON_ERR_UNSUPPORTED;
        }
        in = g_tty_in;
    }
    g_out_fd = STDOUT_FILENO;
    g_in_fd = fileno(in);
    g_have_saved = tcgetattr(g_out_fd, &g_saved) == 0;
    utf8_ctype();
    pin_library((const void *)newterm);
    pin_library((const void *)tigetstr);
    fflush(stdout);
    g_screen = newterm(NULL, stdout, in);
    if (!g_screen) {
        const char *term = getenv("TERM");
        h->log(h, TACHYON_LOG_ERROR, "cannot drive the terminal (TERM=%s)", term ? term : "unset");
        if (g_tty_in)
            fclose(g_tty_in);
        g_tty_in = NULL;
        return TACHYON_ERR_UNSUPPORTED;
    }
    set_term(g_screen);
    g_restore_len = 0;
    append_cap("rmcup");
    append_cap("cnorm");
    append_cap("sgr0");
    install_crash_handlers();
    cbreak();
    noecho();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    leaveok(stdscr, TRUE);
    scrollok(stdscr, FALSE);
    curs_set(0);
    /* Esc cancels the filter prompt: do not wait a second for a sequence. */
    set_escdelay(25);
    lv_colors_init(!(nc && *nc));
    set_stderr_aside();
    erase();
    refresh();
    st->tui = 1;
    return 0;
}

int lv_term_input_fd(void)
{
    return g_in_fd;
}

void lv_term_close(void)
{
    if (!g_screen)
        return;
    curs_set(1);
    endwin();
    delscreen(g_screen);
    g_screen = NULL;
    /* delscreen keeps the terminal description newterm loaded. */
    if (cur_term)
        del_curterm(cur_term);
    if (g_have_saved)
        tcsetattr(g_out_fd, TCSANOW, &g_saved);
    restore_crash_handlers();
    if (g_tty_in)
        fclose(g_tty_in);
    g_tty_in = NULL;
    g_in_fd = -1;
    give_stderr_back();
}

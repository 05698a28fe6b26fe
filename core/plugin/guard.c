#include "plugin/guard.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *volatile current_plugin;
static const char *volatile current_callback;
static int installed;
static struct sigaction previous[NSIG];
/* A handler for a stack overflow in a plugin needs a stack of its own. */
static char alt_stack[64 * 1024];

static const int fatal_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };

static void put(const char *s)
{
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = write(STDERR_FILENO, s, n);
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

static const char *signal_name(int sig)
{
    switch (sig) {
    case SIGSEGV: return "SIGSEGV (invalid memory access)";
    case SIGBUS: return "SIGBUS (bus error)";
    case SIGILL: return "SIGILL (illegal instruction)";
    case SIGFPE: return "SIGFPE (arithmetic error)";
    case SIGABRT: return "SIGABRT (abort)";
    default: return "a fatal signal";
    }
}

/* Only write(), strlen(), sigaction() and raise(): all async-signal-safe. */
static void on_fatal(int sig, siginfo_t *si, void *uc)
{
    const char *plugin = current_plugin, *callback = current_callback;

    (void)uc;
    if (plugin) {
        put("tachyon: plugin ");
        put(plugin);
        put(" crashed in ");
        put(callback ? callback : "?");
        put(" with ");
        put(signal_name(sig));
        put("; no output was written\n");
    }
    /* Hand the signal to whoever had it before (the default action, or a
     * sanitizer's report): a fault re-executes the faulting instruction
     * under the restored action, a sent signal is sent again. */
    (void)sigaction(sig, &previous[sig], NULL);
    if (!si || si->si_code <= 0 || sig == SIGABRT)
        raise(sig);
}

static void on_exit_call(void)
{
    const char *plugin = current_plugin, *callback = current_callback;

    if (plugin) {
        put("tachyon: plugin ");
        put(plugin);
        put(" called exit() in ");
        put(callback ? callback : "?");
        put("; no output was written\n");
    }
}

static void install(void)
{
    struct sigaction sa;
    stack_t ss;
    size_t i;

    installed = 1;
    memset(&ss, 0, sizeof ss);
    ss.ss_sp = alt_stack;
    ss.ss_size = sizeof alt_stack;
    (void)sigaltstack(&ss, NULL);
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fatal;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    for (i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++)
        (void)sigaction(fatal_signals[i], &sa, &previous[fatal_signals[i]]);
    (void)atexit(on_exit_call);
}

void guard_enter(const char *plugin, const char *callback)
{
    if (!installed)
        install();
    current_callback = callback;
    current_plugin = plugin;
}

void guard_leave(void)
{
    current_plugin = NULL;
    current_callback = NULL;
}

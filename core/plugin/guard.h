/* Naming the plugin that brought tachyon down.
 *
 * Every call into plugin code (its constructors at load, its entry
 * function, each callback) is bracketed by guard_enter/guard_leave. A fatal
 * signal (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT) or an exit() while a
 * plugin runs prints one line naming the plugin and the callback, written
 * with async-signal-safe calls only, and then dies the way it would have
 * (the signal is re-raised with its default action). */
#ifndef CORE_PLUGIN_GUARD_H
#define CORE_PLUGIN_GUARD_H

/* plugin and callback must stay valid until the matching guard_leave
 * (string literals or the plugin's descriptor). Nesting is not needed:
 * the core never calls a plugin from inside another. */
void guard_enter(const char *plugin, const char *callback);
void guard_leave(void);

#endif

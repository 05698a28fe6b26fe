/* A shared object that is not a plugin and crashes as soon as it is
 * loaded: plugin discovery must reject it without running its code. */
#include <signal.h>

__attribute__((constructor)) static void stray_constructor(void)
{
    raise(SIGSEGV);
}

int stray_function(void)
{
    return 42;
}

/* A stand-in for an old interpreter (no CPython 2.7 or 3.6 exists on this
 * machine): it answers --version like the real one and otherwise idles.
 * Python 2 builds export Py_InitModule4_64 and no _PyRuntime; 3.0 to 3.6
 * export PyUnicode_FromString and no _PyRuntime. The suite builds one of
 * each, named like the real executables, and tachyon must name the
 * version from the file without waiting for the process. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#if FAKE_MAJOR == 2
__attribute__((visibility("default"))) int Py_InitModule4_64(void) { return 0; }
#else
__attribute__((visibility("default"))) int PyUnicode_FromString(void) { return 0; }
#endif

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("Python %s\n", FAKE_VERSION);
        return 0;
    }
    sleep(5);
    return 0;
}

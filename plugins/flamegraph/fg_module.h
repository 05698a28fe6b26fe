/* Module names for the flame graph's "module" labels: the dotted name a
 * file would be imported as, as upstream derives it from sys.path. */
#ifndef FLAMEGRAPH_FG_MODULE_H
#define FLAMEGRAPH_FG_MODULE_H

#include <stddef.h>

/* Write the module name of file (len bytes) into out (cap bytes, NUL
 * terminated, truncated if needed) and return its length:
 *  - names that are not absolute paths (<frozen runpy>, <string>, ~) stay;
 *  - below site-packages or dist-packages, the path after it;
 *  - below a standard library directory (.../lib/pythonX.Y/), the path
 *    after it;
 *  - below cwd (when given), the path relative to it;
 *  - otherwise the whole path without its leading '/';
 * then ".py" is dropped, '/' becomes '.', and a package's "__init__" goes. */
size_t fg_module_name(const char *file, size_t len, const char *cwd, char *out, size_t cap);

#endif

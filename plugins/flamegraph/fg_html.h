/* Writing the self-contained HTML page: the embedded template with the
 * embedded CSS, JavaScript and the report's JSON put in place. */
#ifndef FLAMEGRAPH_FG_HTML_H
#define FLAMEGRAPH_FG_HTML_H

#include <jansson.h>
#include <tachyon/plugin.h>

/* Write the page to the session's output. */
int fg_html_write(const tachyon_host *host, const json_t *doc);

#endif

/* Helpers of cli/profile.c: where the output goes and the session facts
 * handed to plugins. */
#ifndef CORE_CLI_PROFILE_PRIV_H
#define CORE_CLI_PROFILE_PRIV_H

#include <sys/types.h>

#include <tachyon/plugin.h>

#include "cli.h"

/* The output path for format: -o as given ("-" means standard output, an
 * existing directory gets the default name inside it), else the format's
 * default with {pid} replaced, else NULL for stdout formats. */
int profile_output_path(const struct cli_opts *o, const tachyon_format *fmt, pid_t pid, char **out);

/* 0 when the output's directory exists and is writable, else ERR_IO with
 * a message; stdout outputs always pass. */
int profile_check_output_location(const struct cli_opts *o, const tachyon_format *fmt);

void profile_fill_session(const struct cli_opts *o, tachyon_session *s, pid_t pid, uint32_t hexversion,
                          const char *version, const char *output_path, const char *command_line);

#endif

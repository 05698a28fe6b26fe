/* A binary profile file made ready for replay: read, validated, its frame
 * table interned into a session's interner, and its samples turned into
 * tachyon_samples (recorded timestamps, thread ids, status bits, opcodes).
 * Used by `tachyon replay` and by the host's replay_profile service. */
#ifndef CORE_REPLAY_REPLAY_H
#define CORE_REPLAY_REPLAY_H

#include <stdint.h>

#include <tachyon/plugin.h>

#include "binprofile.h"

struct interner;
struct replay_file;

typedef int (*replay_sample_fn)(void *ctx, const tachyon_sample *s);

/* Read and validate path and intern its frames. Errors (missing file,
 * damage) leave a one-line message in diag. */
int replay_file_open(const char *path, struct interner *in, struct replay_file **out);
const struct bin_profile *replay_file_profile(const struct replay_file *rf);
/* Session facts of the recording: mode (wall when unknown), interval,
 * flags, Python version (the string lives as long as rf). Only the fields
 * up to s->struct_size are written when struct_size is set. */
void replay_file_facts(const struct replay_file *rf, tachyon_session *s);
/* Deliver every sample; a non-zero return from fn stops and is returned. */
int replay_file_run(struct replay_file *rf, replay_sample_fn fn, void *ctx);
void replay_file_close(struct replay_file *rf);

#endif

/* Compiled by the sdk.header_* tests, as C99 and as C++, with every warning
 * an error: a plugin author's compiler must accept the public header. */
#include <tachyon/plugin.h>

static int on_sample(void *state, const tachyon_sample *s)
{
    (void)state;
    return s->depth > 0 && TACHYON_HAS_FIELD(s, tachyon_sample, interpreter_id) ? TACHYON_OK : TACHYON_ERR_INVALID;
}

static const tachyon_format formats[] = {
    { sizeof(tachyon_format), TACHYON_FORMAT_STDOUT, "check", "header check", "check_{pid}.txt" },
};

static const tachyon_plugin descriptor = {
    sizeof(tachyon_plugin), TACHYON_ABI_VERSION, TACHYON_ABI_MINOR, 0,
    "check", "1.0", "header check", formats, 1, 0, NULL,
    NULL, on_sample, NULL, 0, 0, NULL, NULL, NULL,
};

#ifdef __cplusplus
extern "C"
#endif
TACHYON_EXPORT const tachyon_plugin *TACHYON_PLUGIN_ENTRY(void);

const tachyon_plugin *TACHYON_PLUGIN_ENTRY(void)
{
    return &descriptor;
}

/* Fuzz target: the tachyon.ini loader on arbitrary file contents.
 *
 * The input is written to an explicit config file in a private 0700
 * directory, the file itself 0600 and owned by us, so the ownership and
 * permission checks (strict when running as root) accept it and the
 * parser sees the bytes. Site and user files are kept out. After a
 * successful load, the effective settings are printed back, which walks
 * every stored value. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "fuzz.h"

static char dir[64], file[96], missing[96];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/tachyon-fuzz-config-XXXXXX");
    if (!mkdtemp(dir))
        abort();
    snprintf(file, sizeof file, "%s/tachyon.ini", dir);
    snprintf(missing, sizeof missing, "%s/site.ini", dir);
}

static void cleanup(void)
{
    unlink(file);
    rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct config_request rq;
    struct settings s;
    FILE *f, *out;
    int rc;

    if (!dir[0]) {
        setup();
        atexit(cleanup);
    }
    f = fopen(file, "wb");
    if (!f || chmod(file, 0600) != 0)
        abort();
    if (size && fwrite(data, 1, size, f) != size)
        abort();
    fclose(f);

    memset(&rq, 0, sizeof rq);
    rq.explicit_file = file;
    rq.site_file = missing;
    settings_init_defaults(&s);
    rc = config_load(&s, &rq);
    if (rc == 0) {
        out = fopen("/dev/null", "w");
        if (out) {
            config_print(out, &s);
            fclose(out);
        }
    }
    settings_free(&s);
    return 0;
}

#!/bin/sh
# ctest entry point of the browser tests. Exits 77 (ctest SKIP_RETURN_CODE)
# only when Chromium is absent; anything else missing is a failure, since
# scripts/deps.sh installs it.
#   run_browser.sh CHROMIUM FEED PLUGIN_DIR OUT_DIR [TACHYON]
set -u
chromium=$1 feed=$2 plugins=$3 out=$4 tachyon=${5:-}
if [ ! -x "$chromium" ]; then
    echo "SKIP: $chromium not found (install it with scripts/deps.sh)"
    exit 77
fi
node=$(command -v node || command -v nodejs || true)
if [ -z "$node" ]; then
    echo "FAIL: chromium is present but node is not (run scripts/deps.sh)"
    exit 1
fi
exec "$node" "$(dirname "$0")/browser_test.js" --chromium "$chromium" --feed "$feed" \
    --plugin-dir "$plugins" --out "$out" ${tachyon:+--tachyon "$tachyon"}

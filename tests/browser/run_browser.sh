#!/bin/sh
# ctest entry point of a report's browser tests. Exits 77 (ctest
# SKIP_RETURN_CODE) only when Chromium is absent; anything else missing is a
# failure, since scripts/test-deps.sh installs it.
#   run_browser.sh TEST_SCRIPT CHROMIUM FEED PLUGIN_DIR OUT_DIR [TACHYON]
set -u
script=$1 chromium=$2 feed=$3 plugins=$4 out=$5 tachyon=${6:-}
if [ ! -x "$chromium" ]; then
    echo "SKIP: $chromium not found (install it with scripts/test-deps.sh)"
    exit 77
fi
node=$(command -v node || command -v nodejs || true)
if [ -z "$node" ]; then
    echo "FAIL: chromium is present but node is not (run scripts/test-deps.sh)"
    exit 1
fi
exec "$node" "$script" --chromium "$chromium" --feed "$feed" \
    --plugin-dir "$plugins" --out "$out" ${tachyon:+--tachyon "$tachyon"}

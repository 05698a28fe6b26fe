#!/bin/sh
# Flame graph benchmark: the profiler-side cost of writing a report of one
# million samples over 50,000 distinct call-tree nodes, and the time a
# browser takes to open it and react.
#
#   bench/flamegraph_bench.sh [BUILD_DIR]      (default: ./build)
#
# Needs tachyon_feed and the flamegraph plugin built in BUILD_DIR; the browser
# half needs chromium and playwright-core (scripts/deps.sh) and is
# skipped without them. Figures are printed, never asserted.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
feed="$build/tests/tools/tachyon_feed"
plugins="$build/plugins"
work=$(mktemp -d "${TMPDIR:-/tmp}/fg-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
spec=1000000,50000,40,1

[ -x "$feed" ] || { echo "missing $feed: build the tachyon_feed target" >&2; exit 1; }

run() { # name, extra feed args...
    name=$1
    shift
    echo "== $name: tachyon_feed --generate $spec $*"
    for i in 1 2 3; do
        "$feed" --plugin-dir "$plugins" --format flamegraph -o "$work/$name.html" --time "$@" \
            --generate "$spec" 2>&1 | sed 's/^/   /'
    done
}

# The default report prunes nodes under 0.1% of their tree; min_percent=0
# keeps all 50,000 nodes (per thread and merged), the worst case.
run default
run all-nodes --plugin-opt flamegraph.min_percent=0

chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ] || ! command -v node >/dev/null 2>&1; then
    echo "chromium or node missing: browser figures skipped"
    exit 0
fi
for name in default all-nodes; do
    node "$here/flamegraph_bench.js" "$work/$name.html" "$chromium"
done

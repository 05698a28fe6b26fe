#!/bin/sh
# Gecko benchmark: the profiler-side cost of writing a Firefox Profiler
# profile of one million samples over 4 threads and 20,000 distinct stacks,
# with markers from a status that changes often (the GIL held two times in
# three, at random), and the same load through upstream 3.15's collector.
#
#   bench/gecko_bench.sh [BUILD_DIR]      (default: ./build)
#
# Prints the CPU seconds spent in the plugin (on_sample + finish), the peak
# RSS of the whole feeding process and the file size; then upstream's
# figures when the unstable root (scripts/sid-root.sh) is there. Figures are
# printed, never asserted.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
feed="$build/tests/tools/tachyon_feed"
work=$(mktemp -d "${TMPDIR:-/tmp}/gecko-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
spec=1000000,20000,40,1

[ -x "$feed" ] || { echo "missing $feed: build the tachyon_feed target" >&2; exit 1; }

echo "== tachyon gecko plugin: tachyon_feed --generate $spec"
for i in 1 2 3; do
    "$feed" --plugin-dir "$build/plugins" --format gecko -o "$work/g.json" --time --generate "$spec" 2>&1 \
        | grep -v "^Gecko profile written\|^Open in Firefox" | sed 's/^/   /'
done
echo "   file: $(wc -c <"$work/g.json") bytes"
echo "== baseline: the same samples into the collapsed plugin"
"$feed" --plugin-dir "$build/plugins" --format collapsed -o "$work/c.txt" --time --generate "$spec" 2>&1 \
    | grep tachyon_feed | sed 's/^/   /'

root=${TACHYON_SID_ROOT:-/var/cache/tachyon/sid-root}
if [ ! -x "$root/usr/bin/python3.15" ]; then
    echo "no unstable root at $root: upstream figures skipped"
    exit 0
fi
inside=$(mktemp -d "$root/tmp/gecko-bench.XXXXXX")
trap 'rm -rf "$work" "$inside"' EXIT INT TERM
cp "$here/gecko_upstream.py" "$inside/"
rel=/${inside#"$root"/}
echo "== upstream 3.15 GeckoCollector, same shape (python3.15 in $root)"
chroot "$root" python3.15 "$rel/gecko_upstream.py" "$rel/up.json" "$spec" 2>&1 | sed 's/^/   /'

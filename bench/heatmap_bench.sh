#!/bin/sh
# Heatmap benchmark: the profiler-side CPU cost of turning one million
# samples over 2,000 source files into the report directory, side by side
# with upstream's HeatmapCollector fed the same synthetic profile, and the
# time Chromium takes to open the index and the largest file page.
#
#   bench/heatmap_bench.sh [BUILD_DIR]      (default: ./build)
#
# Needs tachyon_feed and the heatmap plugin built in BUILD_DIR. The upstream
# half needs the Debian unstable root (scripts/sid-root.sh; TACHYON_SID_ROOT
# overrides its place), the browser half chromium and playwright-core
# (scripts/test-deps.sh); each is skipped without them. Figures are printed,
# never asserted.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
feed="$build/tests/tools/tachyon_feed"
plugins="$build/plugins"
sid=${TACHYON_SID_ROOT:-/var/cache/tachyon/sid-root}
# 32,000 functions, sixteen per module: main.py plus pkg/mod0.py..mod1999.py.
spec=1000000,32000,40,1
[ -x "$feed" ] || { echo "missing $feed: build the tachyon_feed target" >&2; exit 1; }

# The work folder lives inside the unstable root when there is one, so
# upstream reads the very same source files.
if [ -d "$sid/tmp" ]; then
    work=$(mktemp -d "$sid/tmp/hm-bench.XXXXXX")
else
    work=$(mktemp -d "${TMPDIR:-/tmp}/hm-bench.XXXXXX")
fi
trap 'rm -rf "$work"' EXIT INT TERM

# Real sources, 330 lines each, so every page carries its whole file.
python3 - "$work" <<'PY'
import os, sys
root = sys.argv[1]
os.makedirs(os.path.join(root, "pkg"))
def body(name):
    return "".join("def %s_%d(x):  # line %d\n" % (name, i, i) if i % 20 == 1 else
                   "    x = x * %d + %d  # line %d\n" % (i, i, i) for i in range(1, 331))
with open(os.path.join(root, "main.py"), "w") as f:
    f.write(body("main"))
for m in range(2000):
    with open(os.path.join(root, "pkg", "mod%d.py" % m), "w") as f:
        f.write(body("mod%d" % m))
PY

echo "== tachyon: tachyon_feed --format heatmap --generate $spec (profiler CPU: on_sample + finish)"
# A new folder each time: writing over files just deleted makes ext4 hunt
# for fresh inodes, which is the file system's cost, not the plugin's.
for i in 1 2 3; do
    (cd "$work" && "$feed" --plugin-dir "$plugins" --format heatmap -o "$work/hm$i" --time \
        --generate "$spec" 2>&1 | grep -v '^Heatmap output\|^  - ' | sed 's/^/   /')
done
echo "   report: $(ls "$work/hm1" | wc -l) files, $(du -sh "$work/hm1" | cut -f1)"

if [ -x "$sid/usr/bin/python3.15" ]; then
    echo "== upstream: HeatmapCollector (python3.15) on the same profile"
    rel=${work#"$sid"}
    cp "$here/heatmap_upstream.py" "$work/"
    (cd "$work" && chroot "$sid" sh -c "cd '$rel' && python3.15 '$rel/heatmap_upstream.py' \
        $(echo "$spec" | tr ',' ' ') '$rel/up'" 2>&1 < /dev/null | grep -v '^  - \|^Heatmap output' | sed 's/^/   /') \
        || echo "   upstream run failed"
else
    echo "upstream root $sid missing: upstream figures skipped"
fi

chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ] || ! command -v node >/dev/null 2>&1; then
    echo "chromium or node missing: browser figures skipped"
    exit 0
fi
node "$here/heatmap_bench.js" "$work/hm1" "$chromium"

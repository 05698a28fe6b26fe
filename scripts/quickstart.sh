#!/usr/bin/env bash
# Quick start: install the build dependencies, build tachyon, and profile
# the bundled demo script (examples/demo.py) into a pstats table on the
# terminal, an interactive flame graph and a collapsed-stacks file.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$(nproc)"
PYTHON="${PYTHON:-$(command -v python3)}"
echo "== Profiling examples/demo.py with $PYTHON"
./build/tachyon run --python "$PYTHON" examples/demo.py
./build/tachyon run --python "$PYTHON" --flamegraph -o demo-flamegraph.html examples/demo.py
./build/tachyon run --python "$PYTHON" --collapsed -o demo-collapsed.txt examples/demo.py
echo "== Open demo-flamegraph.html in a browser; collapsed stacks (for flamegraph.pl) are in demo-collapsed.txt"

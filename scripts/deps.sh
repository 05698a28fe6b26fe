#!/usr/bin/env bash
# Installs everything tachyon needs on Debian 12 to build and to run its
# whole test suite: the build dependencies, the interpreters' tools the
# tests use, and for the browser tests Chromium, Node.js and playwright-core
# (the driver only: it never downloads a browser of its own), pinned by
# tests/flamegraph/package-lock.json. playwright-core 1.60 is the last
# release that runs on Debian 12's Node 18.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
packages=(build-essential cmake pkg-config git file dpkg-dev
          libiniparser-dev libjansson-dev libncurses-dev
          python3 util-linux procps chromium ca-certificates)
# A machine may already have Node.js from elsewhere (NodeSource bundles npm,
# and Debian's npm package conflicts with it): only add what is missing.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends "${packages[@]}"

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
cd "$root/tests/flamegraph"
npm ci --no-audit --no-fund
node -e "require('$root/tests/flamegraph/node_modules/playwright-core')"
/usr/bin/chromium --version

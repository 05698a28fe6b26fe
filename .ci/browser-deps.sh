#!/bin/sh
# Installs what the browser tests (ctest -L browser) need on a fresh Debian 12,
# as root: Chromium and Node.js from Debian, and playwright-core (the driver
# only: it downloads no browser) from the npm registry into
# tests/flamegraph/node_modules, pinned by tests/flamegraph/package-lock.json.
# playwright-core 1.60 is the last release that runs on Debian 12's Node 18.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends chromium nodejs npm ca-certificates

# Never let the driver try to fetch browsers of its own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
cd "$root/tests/flamegraph"
if [ -f package-lock.json ]; then
    npm ci --no-audit --no-fund
else
    npm install --no-audit --no-fund
fi

/usr/bin/chromium --version
node -e "require('$root/tests/flamegraph/node_modules/playwright-core'); console.log('playwright-core ok')"

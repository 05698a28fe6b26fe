#!/usr/bin/env bash
# Installs what building and running tachyon needs on Debian 12, and nothing
# more: the compiler and CMake, iniparser, Jansson, ncurses and zstd, and a
# python3 to profile. The test suite's extra needs (a browser, Node.js
# packages, the Debian unstable root with CPython 3.13-3.15) are in
# scripts/test-deps.sh, so a user trying tachyon does not pay for them.
#
# Usage: deps.sh [PACKAGE...]: the extra packages named are installed in
# the same apt run (scripts/test-deps.sh passes its own this way).
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
packages=(build-essential cmake pkg-config
          libiniparser-dev libjansson-dev libncurses-dev libzstd-dev
          python3 "$@")
# apt-get update costs seconds even when nothing is missing: skip both steps
# when every package is already installed.
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    $SUDO apt-get update
    $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi

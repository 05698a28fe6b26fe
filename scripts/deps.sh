#!/usr/bin/env bash
# Installs the Debian 12 packages tachyon needs to build and test.
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends \
    build-essential cmake pkg-config git \
    libiniparser-dev libjansson-dev libncurses-dev \
    python3 util-linux procps

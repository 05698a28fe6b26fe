#!/usr/bin/env bash
# Builds (once) the Debian unstable root that holds the CPython 3.13, 3.14 and
# 3.15 interpreters the tests profile, their -dbg builds, their -dev headers,
# and upstream's own profiler (profiling.sampling, part of 3.15's stdlib).
# They need a newer C library than Debian 12 has, so they live in a separate
# root and the tests start them with chroot.
#
# The root goes to $TACHYON_SID_ROOT (default: /var/cache/tachyon/sid-root).
# It is reused when its stamp lists the same packages, and built into a
# temporary folder that is renamed into place only when complete, so an
# interrupted build is never mistaken for a usable root.
#
# Prints the root's path on its last line.
set -euo pipefail
root="${TACHYON_SID_ROOT:-/var/cache/tachyon/sid-root}"
packages=(python3.13 python3.13-dbg python3.13-dev
          python3.14 python3.14-dbg python3.14-dev
          python3.15 python3.15-dbg python3.15-dev
          procps)
want="$(printf '%s\n' "${packages[@]}")"
stamp="$root/.tachyon-sid-root"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    echo "$root"
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "sid-root.sh: building the unstable root needs root (debootstrap, chroot)" >&2
    exit 1
fi
command -v debootstrap >/dev/null 2>&1 || {
    echo "sid-root.sh: debootstrap is not installed (apt-get install debootstrap)" >&2
    exit 1
}
# Never leave mounts behind inside a root we are about to replace.
for d in "$root" "$root.tmp"; do
    for m in proc sys dev; do
        mountpoint -q "$d/$m" 2>/dev/null && umount -l "$d/$m" || true
    done
done
rm -rf "$root.tmp"
mkdir -p "$(dirname "$root")"
include="$(IFS=,; echo "${packages[*]}")"
echo "sid-root.sh: debootstrap --variant=minbase sid into $root (one time, about a minute)" >&2
debootstrap --variant=minbase --include="$include" sid "$root.tmp" >"$root.tmp.log" 2>&1 || {
    echo "sid-root.sh: debootstrap failed; last lines of $root.tmp.log:" >&2
    tail -n 20 "$root.tmp.log" >&2
    exit 1
}
# Remove the package cache: it is a third of the root and never used again.
rm -rf "$root.tmp/var/cache/apt/archives/"*.deb
printf '%s\n' "$want" >"$root.tmp/.tachyon-sid-root"
rm -rf "$root"
mv "$root.tmp" "$root"
rm -f "$root.tmp.log"
echo "$root"

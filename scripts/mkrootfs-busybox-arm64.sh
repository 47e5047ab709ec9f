#!/usr/bin/env bash
# Writes an arm64 busybox root filesystem tarball, for `gantry import --platform linux/arm64`:
# Debian's arm64 busybox-static (this host's release, from its apt mirror) laid out as
# scripts/mkrootfs-busybox.sh lays out the host's.
#   scripts/mkrootfs-busybox-arm64.sh OUT.tar
#
# Idempotent: an existing OUT.tar is kept. The first run adds arm64 to dpkg's foreign
# architectures and updates apt's lists when apt does not know busybox-static:arm64 yet
# (that needs root); nothing is installed. Concurrent callers wait for the first.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${1:?usage: mkrootfs-busybox-arm64.sh OUT.tar}
say() { printf 'mkrootfs-busybox-arm64: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

[[ -s $out ]] && exit 0
command -v qemu-aarch64-static >/dev/null || die "qemu-aarch64-static not found (apt-get install qemu-user-static)"
mkdir -p "$(dirname "$out")"
exec 9>"$out.lock"
flock -n 9 || { say "waiting for another run writing $out"; flock 9; }
[[ -s $out ]] && exit 0

if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  say "dpkg --add-architecture arm64"
  dpkg --add-architecture arm64
fi
if ! apt-cache show busybox-static:arm64 >/dev/null 2>&1; then
  say "apt-get update (for the arm64 package lists)"
  apt-get update -qq >&2 || die "apt-get update failed"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/gantry-busybox-arm64.XXXXXX")
trap 'rm -rf "$work"' EXIT
# apt downloads as its _apt user when it can write the directory.
chmod 0777 "$work"
(cd "$work" && apt-get download -qq busybox-static:arm64) >&2 || die "apt-get download busybox-static:arm64 failed"
deb=$(echo "$work"/busybox-static_*_arm64.deb)
[[ -f $deb ]] || die "apt-get download left no busybox-static arm64 package in $work"
dpkg-deb -x "$deb" "$work/pkg"
BUSYBOX=$work/pkg/bin/busybox BUSYBOX_EMULATOR=qemu-aarch64-static "$here/mkrootfs-busybox.sh" "$out"
say "wrote $out from $(basename "$deb")"

#!/usr/bin/env bash
# Makes what the end-to-end tests need, once, outside the repository (idempotent):
#   $GANTRY_FIXTURES/busybox-rootfs.tar   a busybox rootfs (scripts/mkrootfs-busybox.sh)
#   $GANTRY_FIXTURES/busybox-arm64-rootfs.tar  an arm64 one (scripts/mkrootfs-busybox-arm64.sh)
#   $GANTRY_FIXTURES/debian-toolchain-v2.tar  a Debian rootfs with g++, make, cmake and Go
#                                             (scripts/mkbase-debian.sh)
# and makes the users the rootless tests run gantry as (scripts/test-user.sh),
# and registers QEMU's handlers for other platforms' programs (scripts/binfmt.sh).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fixtures=${GANTRY_FIXTURES:-/var/tmp/gantry-fixtures}
mkdir -p "$fixtures"

[[ -s $fixtures/busybox-rootfs.tar ]] || "$here/mkrootfs-busybox.sh" "$fixtures/busybox-rootfs.tar"
"$here/mkrootfs-busybox-arm64.sh" "$fixtures/busybox-arm64-rootfs.tar"
if [[ -x $here/mkbase-debian.sh ]]; then
  "$here/mkbase-debian.sh" "$fixtures/debian-toolchain-v2.tar"
fi
"$here/test-user.sh"
"$here/binfmt.sh"
echo "test fixtures ready in $fixtures" >&2

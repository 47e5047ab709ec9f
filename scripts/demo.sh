#!/usr/bin/env bash
# The demo: a busybox base image made from the host's busybox-static with `gantry import`,
# then `gantry build -t hello examples/hello`, then the result.
set -euo pipefail
gantry=${1:-build/cli/gantry}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${GANTRY_DEMO_CACHE:-/var/tmp/gantry-demo}
mkdir -p "$cache"

echo "== gantry import: busybox base image from the host's busybox-static"
"$here/scripts/mkrootfs-busybox.sh" "$cache/busybox-rootfs.tar"
"$gantry" import "$cache/busybox-rootfs.tar" busybox:latest

echo "== gantry build -t hello examples/hello"
"$gantry" build --progress=plain -t hello "$here/examples/hello"

echo "== gantry run --rm hello"
"$gantry" run --rm hello

echo "== gantry images"
"$gantry" images

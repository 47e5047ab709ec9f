#!/usr/bin/env bash
# Writes a Debian toolchain root filesystem tarball (this host's Debian release, minbase plus
# g++, make, cmake and golang-go without recommends) for `gantry import`:
#   scripts/mkbase-debian.sh OUT.tar
#
# The mirror is the one this host's apt sources use for its own release, so the script names
# no host. Slow once (debootstrap + apt, a few minutes), then instant: OUT.tar.key records a
# hash of everything the result depends on, and a rerun with the same key does nothing.
# Downloaded .debs are kept in $GANTRY_FIXTURES/debian-debs, so even a rebuild downloads
# nothing.
#
# Safe to interrupt: the rootfs is built in a temporary dir and the tarball written under a
# temporary name, renamed only when complete. Every mount (debootstrap's own /proc and /sys,
# our binds of /dev, the .deb cache and resolv.conf) lives in a private mount namespace
# (unshare -m), so the kernel drops them when the script dies, whatever kills it.
set -euo pipefail

out=${1:?usage: mkbase-debian.sh OUT.tar}
packages=(g++ make cmake golang-go)
# Bump when the way the rootfs is made changes, so cached tarballs are rebuilt. (The callers name
# the tarball after the version too, debian-toolchain-v2.tar: worktrees still on an older recipe
# keep their own file instead of rebuilding a shared one back and forth.)
recipe_version=2

say() { printf 'mkbase-debian: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
[[ $EUID -eq 0 ]] || die "must run as root (debootstrap, chroot and mounts need it)"
for tool in debootstrap unshare chroot flock sha256sum tar; do
  command -v "$tool" >/dev/null || die "$tool not found (scripts/deps.sh installs it)"
done

suite=$(. /etc/os-release && echo "${VERSION_CODENAME:?}")
arch=$(dpkg --print-architecture)

# The first `deb` URI that serves $suite, from deb822 .sources files or one-line .list files.
host_mirror() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] || continue
    awk -v suite="$suite" '
      BEGIN { RS = ""; FS = "\n" }
      { types = suites = uris = ""
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^Types:/)  { types = $i }
          if ($i ~ /^Suites:/) { suites = $i " " }
          if ($i ~ /^URIs:/)   { split($i, u, /[ \t]+/); uris = u[2] } }
        if (types ~ /[ \t]deb([ \t]|$)/ && suites ~ ("[ \t]" suite " ") && uris != "") { print uris; exit } }' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f $f ]] || continue
    sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" | awk -v suite="$suite" '$1 == "deb" && $3 == suite { print $2 }'
  done
}
mirror=$(host_mirror | head -n1)
[[ -n $mirror ]] || die "no apt source serves $suite in /etc/apt/sources.list{,.d/*}"
mirror=${mirror%/}

key=$(printf '%s\n' "recipe=$recipe_version" "$suite" "$arch" "$mirror" "${packages[@]}" | sha256sum | cut -c1-32)
[[ -s $out && -f $out.key && $(<"$out.key") == "$key" ]] && exit 0

fixtures=${GANTRY_FIXTURES:-/var/tmp/gantry-fixtures}
debs=$fixtures/debian-debs
mkdir -p "$debs/partial" "$(dirname "$out")"
# One build at a time: a second caller waits, then finds the tarball made.
exec 9>"$out.lock"
flock -n 9 || { say "waiting for another mkbase-debian writing $out"; flock 9; }
[[ -s $out && -f $out.key && $(<"$out.key") == "$key" ]] && exit 0

# Work dirs left by an interrupted run are stale now that we hold the lock. They hold no
# mounts (those died with their namespace), so removing them cannot reach the host.
rm -rf "$out".work.* "$out".tmp.* "$out".key.tmp.*
work=$(mktemp -d "$out.work.XXXXXX")
trap 'rm -rf "$work" "$out.tmp.$$" "$out.key.tmp.$$"' EXIT
rootfs=$work/rootfs
started=$SECONDS

say "debootstrap --variant=minbase $suite ($arch) from $mirror; .debs cached in $debs"
unshare --mount --propagation private \
  debootstrap --variant=minbase --arch="$arch" --cache-dir="$debs" "$suite" "$rootfs" "$mirror" \
  >"$work/debootstrap.log" 2>&1 || { tail -n 20 "$work/debootstrap.log" >&2; die "debootstrap failed (log tail above)"; }

say "apt-get install --no-install-recommends ${packages[*]}"
# The chroot needs /proc, /dev and the host's resolver; the .deb cache is bound over apt's
# archive dir so packages are downloaded once per machine.
unshare --mount --propagation private env rootfs="$rootfs" debs="$debs" packages="${packages[*]}" \
  bash -euo pipefail -c '
    mount -t proc proc "$rootfs/proc"
    mount --rbind /dev "$rootfs/dev"
    mount --bind /etc/resolv.conf "$rootfs/etc/resolv.conf"
    mount --bind "$debs" "$rootfs/var/cache/apt/archives"
    export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 PATH=/usr/sbin:/usr/bin:/sbin:/bin
    chroot "$rootfs" apt-get update -q
    chroot "$rootfs" apt-get install -y -q --no-install-recommends $packages
  ' >"$work/apt.log" 2>&1 || { tail -n 25 "$work/apt.log" >&2; die "apt-get in the chroot failed (log tail above)"; }

# What an image should not carry: package lists, the host's identity, debootstrap's device
# nodes (the executor makes its own /dev), caches and logs.
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
  "$rootfs"/var/log/apt/* "$rootfs"/var/log/*.log "$rootfs"/tmp/* "$rootfs"/dev/*
mkdir -p "$rootfs/var/lib/apt/lists/partial"
rm -f "$rootfs/etc/hostname"
: >"$rootfs/etc/resolv.conf"

tar --sort=name --numeric-owner --xattrs --xattrs-include='security.capability' \
  -C "$rootfs" -cf "$out.tmp.$$" .
mv -f "$out.tmp.$$" "$out"
echo "$key" >"$out.key.tmp.$$"
mv -f "$out.key.tmp.$$" "$out.key"
say "wrote $out ($(du -h "$out" | cut -f1)) in $((SECONDS - started))s"

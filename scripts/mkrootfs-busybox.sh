#!/usr/bin/env bash
# Writes a small busybox root filesystem tarball, made from the host's static busybox
# (Debian's busybox-static), for `gantry import`. Reproducible: sorted, owners 0:0 (but
# /home/user), mtimes at SOURCE_DATE_EPOCH (default 0).
#   scripts/mkrootfs-busybox.sh OUT.tar
# Env: BUSYBOX, the busybox to use (default /bin/busybox); BUSYBOX_EMULATOR, what runs it when
# it is another architecture's (qemu-aarch64-static), to list its applets.
set -euo pipefail
out=${1:?usage: mkrootfs-busybox.sh OUT.tar}
bb=${BUSYBOX:-/bin/busybox}
read -r -a emulator <<<"${BUSYBOX_EMULATOR:-}"
[[ -x $bb ]] || { echo "mkrootfs-busybox: $bb not found (apt-get install busybox-static)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/gantry-rootfs.XXXXXX")
trap 'rm -rf "$work"' EXIT
r=$work/rootfs
mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,etc,root,home/user,tmp,var/tmp}
cp "$bb" "$r/bin/busybox"
chmod 0755 "$r/bin/busybox"
# One symlink per applet, where busybox itself says each one lives.
"${emulator[@]}" "$bb" --list-full | while read -r applet; do
  [[ $applet == bin/busybox || -e $r/$applet ]] && continue
  mkdir -p "$r/$(dirname "$applet")"
  ln -s /bin/busybox "$r/$applet"
done
rm -f "$r/linuxrc"
cat >"$r/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
user:x:1000:1000:user:/home/user:/bin/sh
PASSWD
cat >"$r/etc/group" <<'GROUP'
root:x:0:
daemon:x:1:
users:x:100:user
nogroup:x:65534:
user:x:1000:
GROUP
chown 1000:1000 "$r/home/user"
chmod 1777 "$r/tmp" "$r/var/tmp"
chmod 0700 "$r/root"
find "$r" -exec touch -h -d "@${SOURCE_DATE_EPOCH:-0}" {} +
mkdir -p "$(dirname "$out")"
tar --sort=name --numeric-owner -C "$r" -cf "$out.tmp" .
mv "$out.tmp" "$out"

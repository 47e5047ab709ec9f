#!/usr/bin/env bash
# Makes the users the rootless end-to-end tests run gantry as (idempotent; run as root):
#   gantry-rl     with a 65536-id range in /etc/subuid and /etc/subgid (newuidmap maps it)
#   gantry-nosub  with no range, so gantry can map only the user's own uid
# Both get a home dir, where gantry keeps its state by default ($XDG_DATA_HOME/gantry).
set -euo pipefail

# The first free range of `count` ids at or above 100000 in both /etc/subuid and /etc/subgid.
free_range_start() {
  local count=$1 start=100000 file
  for file in /etc/subuid /etc/subgid; do
    [[ -f $file ]] || continue
    while IFS=: read -r _ first size; do
      [[ $first =~ ^[0-9]+$ && $size =~ ^[0-9]+$ ]] || continue
      ((first + size > start)) && start=$((first + size))
    done <"$file"
  done
  echo "$start"
}

make_user() {
  local name=$1
  id -u "$name" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$name"
  local home
  home=$(getent passwd "$name" | cut -d: -f6)
  [[ -d $home ]] || install -d -o "$name" -g "$name" -m 0755 "$home"
}

make_user gantry-rl
make_user gantry-nosub
touch /etc/subuid /etc/subgid
if ! grep -q '^gantry-rl:' /etc/subuid || ! grep -q '^gantry-rl:' /etc/subgid; then
  start=$(free_range_start 65536)
  grep -q '^gantry-rl:' /etc/subuid || echo "gantry-rl:$start:65536" >>/etc/subuid
  grep -q '^gantry-rl:' /etc/subgid || echo "gantry-rl:$start:65536" >>/etc/subgid
fi
# useradd may give every new user a range (SUB_UID_COUNT in login.defs): gantry-nosub has none.
sed -i '/^gantry-nosub:/d' /etc/subuid /etc/subgid
echo "test users ready: gantry-rl ($(grep '^gantry-rl:' /etc/subuid)), gantry-nosub (no range)" >&2

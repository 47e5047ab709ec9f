#!/usr/bin/env bash
# Makes the users the rootless end-to-end tests run gantry as (idempotent; run as root):
#   gantry-rl     with a 65536-id range in /etc/subuid and /etc/subgid (newuidmap maps it)
#   gantry-nosub  with no range, so gantry can map only the user's own uid
#   gantry-smallsub  with a range of 1000 ids, too small for gantry to use
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
  # No range from useradd (SUB_UID_COUNT in login.defs): give_range says which user gets one.
  id -u "$name" >/dev/null 2>&1 ||
    useradd --create-home --shell /bin/bash -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 "$name"
  local home
  home=$(getent passwd "$name" | cut -d: -f6)
  [[ -d $home ]] || install -d -o "$name" -g "$name" -m 0755 "$home"
}

make_user gantry-rl
make_user gantry-nosub
make_user gantry-smallsub
touch /etc/subuid /etc/subgid

# Gives `user` a range of `count` ids in both files, unless it has one of that size.
give_range() {
  local user=$1 count=$2 start
  if ! grep -q "^$user:[0-9]*:$count\$" /etc/subuid || ! grep -q "^$user:[0-9]*:$count\$" /etc/subgid; then
    sed -i "/^$user:/d" /etc/subuid /etc/subgid
    start=$(free_range_start "$count")
    grep -q "^$user:" /etc/subuid || echo "$user:$start:$count" >>/etc/subuid
    grep -q "^$user:" /etc/subgid || echo "$user:$start:$count" >>/etc/subgid
  fi
}
give_range gantry-rl 65536
give_range gantry-smallsub 1000
# A range given by an older useradd call or by hand: gantry-nosub has none.
sed -i '/^gantry-nosub:/d' /etc/subuid /etc/subgid
echo "test users ready: gantry-rl ($(grep '^gantry-rl:' /etc/subuid)), gantry-nosub (no range)," \
  "gantry-smallsub ($(grep '^gantry-smallsub:' /etc/subuid))" >&2

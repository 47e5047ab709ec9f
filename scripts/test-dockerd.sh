#!/usr/bin/env bash
# A private dockerd for the tests that compare gantry with docker (tests/e2e/docker_side_by_side_test.cpp).
#
#   test-dockerd.sh start    start it unless it answers already (idempotent); exit 0 when it answers
#   test-dockerd.sh stop     stop it by its pid file (SIGTERM, then SIGKILL), keeping its data
#   test-dockerd.sh status   exit 0 when it answers, print its version
#
# It touches nothing of the host's own docker: its data root is outside the repository and kept
# between runs (the loaded base image and the classic builder's cache survive), its socket,
# exec root and pid file are its own. The network flags leave the host's network untouched: no
# docker0 bridge, no iptables rules, no ip_forward (so containers run with --network none).
#
# Env: GANTRY_TEST_DOCKERD_DATA (data root, default /var/tmp/gantry-test-docker),
#      GANTRY_TEST_DOCKERD_SOCK (default /run/gantry-test-docker.sock).
set -euo pipefail

data=${GANTRY_TEST_DOCKERD_DATA:-/var/tmp/gantry-test-docker}
sock=${GANTRY_TEST_DOCKERD_SOCK:-/run/gantry-test-docker.sock}
# Named after the socket, so that a second instance on another socket shares nothing with this one.
exec_root=${sock%.sock}-exec
pidfile=${sock%.sock}.pid
log=$data.log

answers() { DOCKER_HOST=unix://$sock /usr/bin/docker version >/dev/null 2>&1; }

# The pid in the pid file when that process is this dockerd, started with this pid file (a
# recycled pid, or the host's own dockerd, is never signalled).
our_pid() {
  [[ -f $pidfile ]] || return 1
  local pid; pid=$(<"$pidfile")
  [[ $pid =~ ^[0-9]+$ ]] && [[ $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) == *"dockerd "*"--pidfile $pidfile "* ]] || return 1
  echo "$pid"
}

start() {
  answers && return 0
  command -v dockerd >/dev/null || { echo "test-dockerd.sh: dockerd is not installed (Debian package docker.io)" >&2; exit 1; }
  mkdir -p "$data"
  setsid dockerd --data-root "$data" --exec-root "$exec_root" -H "unix://$sock" --pidfile "$pidfile" \
    --storage-driver=overlay2 --bridge=none --iptables=false --ip-forward=false --ip-masq=false \
    >>"$log" 2>&1 </dev/null &
  for _ in $(seq 120); do
    answers && return 0
    kill -0 $! 2>/dev/null || break
    sleep 0.5
  done
  echo "test-dockerd.sh: dockerd did not answer on $sock; the end of $log:" >&2
  tail -15 "$log" >&2
  exit 1
}

stop() {
  local pid
  pid=$(our_pid) || return 0
  kill -TERM "$pid"
  for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
  kill -KILL "$pid"
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  status) answers && DOCKER_HOST=unix://$sock /usr/bin/docker version --format '{{.Server.Version}}' ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2; exit 2 ;;
esac

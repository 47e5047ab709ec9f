#!/usr/bin/env bash
# bench/run_overhead.sh — what one RUN step costs gantry end to end, beyond the command itself.
#
#   bench/run_overhead.sh [GANTRY_BINARY]      (default: build/cli/gantry)
#
# Times, ROUNDS (5) times each, in this order per round:
#   build50  `gantry build --network=none` of 50 trivial `RUN echo N > /fN` steps on busybox,
#            cold: a fresh state root per build (busybox imported before the clock starts)
#   build1   the same with 1 step: start-up, parsing, the import's unpack, one RUN, commit
#   direct   the same 50 commands, each as `busybox sh -c`, in a plain shell loop
# and prints ms/step = (median build50 - median direct - median build1) / 49.
# The 1-step build carries one command; 49/50 of `direct` would be exact, but a shell command
# costs well under a millisecond, so the formula stays the simple one the issue states.
# Load from other jobs inflates every number; the load average is printed with the result.
#
# Environment: STEPS=50 ROUNDS=5 BUSYBOX=/bin/busybox
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
gantry=$(realpath "${1:-$here/../build/cli/gantry}")
steps=${STEPS:-50}
rounds=${ROUNDS:-5}
busybox=${BUSYBOX:-/bin/busybox}
[[ -x $gantry ]] || { echo "run_overhead: no gantry binary at $gantry" >&2; exit 1; }

work=$(mktemp -d /var/tmp/gantry-run-overhead.XXXXXX)
trap 'rm -rf --one-file-system "$work"' EXIT
"$here/../scripts/mkrootfs-busybox.sh" "$work/busybox.tar"
mkdir -p "$work/many" "$work/one" "$work/direct"
{ echo "FROM busybox:latest"; for ((i = 1; i <= steps; i++)); do echo "RUN echo $i > /f$i"; done; } >"$work/many/Dockerfile"
printf 'FROM busybox:latest\nRUN echo 1 > /f1\n' >"$work/one/Dockerfile"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# cold_build CONTEXT -> milliseconds for one build in a fresh state root
cold_build() {
  local root=$work/root t0 t1
  rm -rf --one-file-system "$root"
  GANTRY_ROOT=$root "$gantry" import "$work/busybox.tar" busybox:latest >/dev/null
  t0=$(now_ms)
  GANTRY_ROOT=$root "$gantry" build -q --network=none "$1" >/dev/null
  t1=$(now_ms)
  echo $((t1 - t0))
}
direct_loop() {
  local t0 t1 i
  t0=$(now_ms)
  for ((i = 1; i <= steps; i++)); do "$busybox" sh -c "echo $i > $work/direct/f$i"; done
  t1=$(now_ms)
  echo $((t1 - t0))
}
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

many=() one=() direct=()
for ((r = 1; r <= rounds; r++)); do
  many+=("$(cold_build "$work/many")")
  one+=("$(cold_build "$work/one")")
  direct+=("$(direct_loop)")
  echo "round $r: build$steps ${many[-1]} ms, build1 ${one[-1]} ms, direct ${direct[-1]} ms" >&2
done
m=$(median "${many[@]}") o=$(median "${one[@]}") d=$(median "${direct[@]}")
awk -v m="$m" -v o="$o" -v d="$d" -v n="$steps" -v r="$rounds" -v load="$(cut -d' ' -f1-3 /proc/loadavg)" 'BEGIN {
  printf "build%d %.0f ms, build1 %.0f ms, direct %.0f ms (medians of %d)\n", n, m, o, d, r
  printf "per-RUN overhead: %.1f ms/step (target <= 8)   load average %s\n", (m - d - o) / (n - 1), load }'

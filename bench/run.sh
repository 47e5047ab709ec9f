#!/usr/bin/env bash
# bench/run.sh — end-to-end timings of the gantry binary, side by side with BuildKit (dockerd
# 20.10) and buildah when the peer set-up in ../shared/peers is there. Prints one Markdown table.
#
#   bench/run.sh [--no-peers] [BUILD_DIR]        (BUILD_DIR default: build; `make bench` passes it)
#
# Scenarios (the peers' definitions: cold = build cache and built images pruned before each run,
# outside the timing, page cache warm; warm = no-op rebuild; touch = one context file's content
# rewritten before each run). Each cell is "median (min)" of RUNS runs after WARMUP warm-ups.
#   steps     per-RUN overhead: STEPS trivial `RUN echo N > /fN`, cold, minus a 1-RUN build, minus
#             the same commands run directly (`busybox sh -c` each) -> ms per step      (<= 8 ms)
#   chain     warm no-op rebuild of a 6-RUN chain (the peers' chain sample)              (<= 30 ms)
#   bigctx    20,000 files / 100 MB context (the peers' gen.sh bytes): warm             (<= 60 ms)
#             and one file changed                          (<= 100 ms + the steps that re-run)
#   big100k   100,000 files / 100 MB context (1 KB files, the same keystream): warm no-op and one
#             file changed, gantry vs BuildKit
#   parallel  two 1 s stages + a final stage, cold: time beyond the 1 s critical path  (<= 30 ms)
#   pull      a 3-layer PULL_MB (300) MB image from a local registry (shared/tools/registry.sh)
#             onto a fresh root: gantry pull vs skopeo copy to containers-storage vs podman pull
#                                                                   (gantry >= 1.5x faster than each)
#   scale     SCALE_BUILDS (32) cold builds of different contexts on one root, all at once vs one
#             by one: total time, peak RSS sum, failures
#   projects  testdata/go-multistage and cpp-multistage on the Debian toolchain image (GO_BASE):
#             cold and one-source-file-edit rebuilds, gantry vs BuildKit vs buildah
#   go        cold multi-stage Go build, when the Debian toolchain image exists (GO_BASE, default
#             $GANTRY_FIXTURES/debian-toolchain-v2.tar, made by scripts/mkbase-debian.sh)
#   export    a LAYER_MB (200) MB layer written as oci-archive, gzip, zstd and uncompressed -> MB/s,
#             beside single-thread zlib on the layer's tar (gzip: >= 1.8x) and dd of the archive
#   rss       peak RSS (/usr/bin/time -f %M) of cold and warm builds
#   daemon    `docker build` (the 20.10 client, classic builder API) of the chain sample through
#             `gantry daemon` vs through dockerd (classic builder, and BuildKit): warm no-op and
#             cold; a table of its own
#
# Environment: RUNS=5 WARMUP=1 STEPS=50 BIG_FILES=20000 BIG100K_FILES=100000 LAYER_MB=200
#   PULL_MB=300 SCALE_BUILDS=32
#   NETWORK=none   gantry's --network for every build (default: RUN's private network with
#                  outbound access; none: only lo, the peers' setting; host)
#   SCENARIOS="steps chain bigctx big100k parallel go pull scale projects export rss daemon"
#                  (a subset, for quick runs)
#   PEER_TOOLS="docker-bk buildah"     PEERS_DIR=<repo>/../shared/peers
#   BENCH_DATA=/var/tmp/gantry-bench-data   generated inputs, made once and kept between runs
#
# Everything else lives in a fresh temporary state root under /var/tmp that is deleted on exit.
# When the peers are used, their setup.sh starts dockerd and their stop.sh stops it on exit,
# always: this script never leaves dockerd running.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
use_peers=1
build_dir=build
for a in "$@"; do
  case $a in
    --no-peers) use_peers=0 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "run.sh: unknown option $a" >&2; exit 2 ;;
    *) build_dir=$a ;;
  esac
done
[[ $build_dir == /* ]] || build_dir=$PWD/$build_dir
[[ -d $build_dir ]] || build_dir=$repo/${build_dir#"$PWD/"}   # `make bench` runs from the repo
gantry=$build_dir/cli/gantry
[[ -x $gantry ]] || { echo "run.sh: no gantry binary at $gantry (run make build)" >&2; exit 1; }

RUNS=${RUNS:-5}
WARMUP=${WARMUP:-1}
STEPS=${STEPS:-50}
BIG_FILES=${BIG_FILES:-20000}
BIG100K_FILES=${BIG100K_FILES:-100000}
PULL_MB=${PULL_MB:-300}
SCALE_BUILDS=${SCALE_BUILDS:-32}
LAYER_MB=${LAYER_MB:-200}
NETWORK=${NETWORK:-none}
SCENARIOS=${SCENARIOS:-steps chain bigctx big100k parallel go pull scale projects export rss daemon}
DOCKER_CLIENT=${DOCKER_CLIENT:-/usr/bin/docker}   # 20.10: the peers' client, BuildKit's too
PEER_TOOLS=${PEER_TOOLS:-docker-bk buildah}
PEERS_DIR=${PEERS_DIR:-$repo/../shared/peers}
BENCH_DATA=${BENCH_DATA:-/var/tmp/gantry-bench-data}
GO_BASE=${GO_BASE:-${GANTRY_FIXTURES:-/var/tmp/gantry-fixtures}/debian-toolchain-v2.tar}
BUSYBOX=${BUSYBOX:-/bin/busybox}

for tool in hyperfine jq openssl /usr/bin/time "$BUSYBOX"; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is missing (scripts/deps.sh installs it)" >&2; exit 1; }
done
want() { [[ " $SCENARIOS " == *" $1 "* ]]; }
log() { echo "bench: $*" >&2; }

work=$(mktemp -d /var/tmp/gantry-bench.XXXXXX)
res=$work/results
mkdir -p "$res" "$work/ctx"
export GANTRY_ROOT=$work/root
notes=()
peers_started=0
daemon_pid=""

# ---- clean-up: restore the touched input, stop the peers, drop the state root -------------
big=$BENCH_DATA/bigcontext
big_victim=""                             # the file the touch runs rewrite (make_bigcontext)
cleanup() {
  local rc=$?
  restore_victims
  stop_registry
  [[ -n $daemon_pid ]] && { kill "$daemon_pid" 2>/dev/null; wait "$daemon_pid" 2>/dev/null || true; }
  if ((peers_started)); then
    [[ -n ${DOCKER:-} ]] && { peer_clean_all >/dev/null 2>&1 || true; }
    "$PEERS_DIR/stop.sh" >>"$work/peers.log" 2>&1 || log "peers' stop.sh failed (see output above)"
  fi
  # never delete through a mount point a killed build may have left behind
  local m
  for m in $(findmnt -rno TARGET | grep "^$work/" | sort -r || true); do umount -l "$m" || true; done
  rm -rf --one-file-system "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- timing helpers ---------------------------------------------------------------------
# hf NAME WARMUP PREPARE COMMAND: hyperfine into $res/NAME.json (a failed run leaves {"failed"}).
# A timed COMMAND carries no redirection: hyperfine discards its output itself, and with one
# bash forks before it execs the command, which costs every tool about 3 ms on this kind of VM.
hf() {
  local name=$1 warm=$2 prep=$3 cmd=$4 args=()
  [[ -n $prep ]] && args+=(--prepare "$prep")
  log "$name"
  if ! hyperfine --shell=bash --style=none --runs "$RUNS" --warmup "$warm" "${args[@]}" \
      --export-json "$res/$name.json" "$cmd" >"$res/$name.log" 2>&1; then
    log "$name FAILED:"; tail -5 "$res/$name.log" >&2
    echo '{"failed":true}' >"$res/$name.json"
  fi
}
val() { # NAME median|min -> seconds, or empty when missing or failed
  [[ -f $res/$1.json ]] || return 0
  jq -r --arg k "$2" 'if .failed then empty else .results[0][$k] end' "$res/$1.json"
}
failed() { [[ -f $res/$1.json ]] && jq -e .failed "$res/$1.json" >/dev/null; }
ms() { awk -v s="$1" 'BEGIN { printf (s < 10 ? "%.0f ms" : "%.1f s"), (s < 10 ? s * 1000 : s) }'; }
# Columns of $res/gantry.<ctx>.rerun ("wall_ms steps_ms" per touched build): 1 wall, 2 steps,
# 3 wall - steps. The file is the second argument (default: the 20,000-file context's).
rerun_column() {
  local f=$res/gantry.${2:-big}.rerun
  [[ -f $f ]] && awk -v c="$1" '{ print (c == 3 ? $1 - $2 : $c) }' "$f" | sort -n
}
median_of() { rerun_column "$@" | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2); else print 0 }'; }
min_of() { rerun_column "$@" | head -1; }
cell() { # NAME -> "median (min)"
  failed "$1" && { echo FAIL; return; }
  local m n
  m=$(val "$1" median); n=$(val "$1" min)
  [[ -n $m ]] || { echo "—"; return; }
  echo "$(ms "$m") ($(ms "$n" | cut -d' ' -f1))"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b + 0 > 0) printf "%.2f", a / b; else print "—" }'; }

# ---- inputs -------------------------------------------------------------------------------
# The base image every sample starts FROM: the project's busybox rootfs, with the user `bench`
# (uid 1000) the peers' samples chown to.
make_base() {
  local r=$work/base-rootfs
  "$repo/scripts/mkrootfs-busybox.sh" "$work/busybox.tar"
  mkdir -p "$r"
  tar -xf "$work/busybox.tar" -C "$r"
  sed -i 's|^user:x:1000:1000:user:/home/user:|bench:x:1000:1000:bench:/home/bench:|' "$r/etc/passwd"
  sed -i -e 's/^user:x:1000:/bench:x:1000:/' -e 's/^users:x:100:user$/users:x:100:bench/' "$r/etc/group"
  mv "$r/home/user" "$r/home/bench"
  grep -q '^bench:x:1000:1000:' "$r/etc/passwd" || { log "could not add user bench to the base"; exit 1; }
  tar --sort=name --numeric-owner -C "$r" -cf "$work/base.tar" .
  rm -rf "$r" "$work/busybox.tar"
}

# The peers' bigcontext bytes: an AES-128-CTR keystream of zeros (fixed key) cut into
# BIG_FILES x 5,120 B files, 100 per directory, all mtimes 2001-09-09. Made once.
big_key=000102030405060708090a0b0c0d0e0f
big_stream() { # [first 16-byte block] -> the keystream from there on
  { openssl enc -aes-128-ctr -nosalt -K $big_key -iv "$(printf '%032x' "${1:-0}")" -in /dev/zero 2>/dev/null || true; }
}
# A context of N files of SIZE bytes: file k is bytes [k*SIZE, (k+1)*SIZE) of the stream, in
# DIR/files/dDDD/fKKKKK, 100 files per directory, so a touched file's original content can always
# be written back, even after a run that was killed before its clean-up.
ctx_file() { printf '%s/files/d%03d/f%05d' "$1" $(($2 / 100)) "$2"; } # DIR K -> path
write_ctx_file() { # DIR K SIZE: file K's original bytes and mtime
  local f
  f=$(ctx_file "$1" "$2")
  big_stream $(($2 * $3 / 16)) | head -c "$3" >"$f"
  touch -h -d @1000000000 "$f"
}
victims=() # "DIR K SIZE" of each file the touch runs rewrite
restore_victims() {
  local v
  for v in "${victims[@]}"; do
    # shellcheck disable=SC2086
    [[ -f $(ctx_file ${v% *}) ]] && write_ctx_file $v
  done
  return 0
}
make_files_context() { # DIR N SIZE (a multiple of 16): the files (made once) and the Dockerfile
  local dir=$1 n=$2 size=$3 have=0 t d m sub
  [[ -d $dir/files ]] && have=$(find "$dir/files" -type f | wc -l)
  if ((have != n)); then
    log "generating $n files of $size B in $dir/files (once)"
    t=$dir/files.tmp
    rm -rf "$dir/files" "$t"; mkdir -p "$t"
    for ((d = 0; d * 100 < n; d++)); do
      printf -v sub 'd%03d' "$d"
      mkdir "$t/$sub"
      m=$((n - d * 100 < 100 ? n - d * 100 : 100))
      big_stream $((d * 100 * size / 16)) | head -c $((m * size)) |
        (cd "$t/$sub" && split -b "$size" -a 5 --numeric-suffixes=$((d * 100)) - f)
    done
    find "$t" -exec touch -h -d @1000000000 {} +
    mv "$t" "$dir/files"
  fi
  printf 'files/\n' >"$dir/.gitignore"
  printf '.gitignore\n' >"$dir/.dockerignore"
  cat >"$dir/Dockerfile" <<'EOF'
FROM localhost/busybox:latest
COPY files/ /ctx/
RUN find /ctx -type f | wc -l > /count.txt && du -sk /ctx >> /count.txt
CMD ["cat", "/count.txt"]
EOF
  victims+=("$dir $((n / 2)) $size")
  write_ctx_file "$dir" $((n / 2)) "$size"
}
# The peers' bigcontext: BIG_FILES x 5,120 B, the bytes of their gen.sh
make_bigcontext() {
  make_files_context "$big" "$BIG_FILES" 5120
  big_victim=$(ctx_file "$big" $((BIG_FILES / 2)))
}
# The same 100 MB cut into BIG100K_FILES files of 1 KB
big100k=$BENCH_DATA/bigcontext-100k
big100k_victim=""
make_big100k() {
  make_files_context "$big100k" "$BIG100K_FILES" 1024
  big100k_victim=$(ctx_file "$big100k" $((BIG100K_FILES / 2)))
}

# LAYER_MB of files for one COPY layer, like bench/exporter's pack_throughput: half text that
# compresses well (seq output), half incompressible bytes, in 2 MB files. Made once.
make_layer() {
  local l=$BENCH_DATA/layer-${LAYER_MB}mb n=$((LAYER_MB / 4)) i
  if [[ ! -f $l/.complete ]]; then
    log "generating a $LAYER_MB MB layer in $l (once)"
    rm -rf "$l"; mkdir -p "$l/data"
    { openssl enc -aes-128-ctr -nosalt -K 0f0e0d0c0b0a09080706050403020100 \
        -iv 00000000000000000000000000000000 -in /dev/zero 2>/dev/null || true; } |
      head -c $((n * 2000000)) | (cd "$l/data" && split -b 2000000 -a 4 -d - random)
    { seq 1 100000000 || true; } | head -c $((n * 2000000)) | (cd "$l/data" && split -b 2000000 -a 4 -d - text)
    printf 'FROM localhost/busybox:latest\nCOPY data/ /data/\n' >"$l/Dockerfile"
    touch "$l/.complete"
  fi
  printf '.complete\n' >"$l/.dockerignore"
  layer_ctx=$l
}

make_contexts() {
  local c=$work/ctx i
  mkdir -p "$c/steps" "$c/step1" "$c/chain" "$c/parallel" "$c/go"
  { echo "FROM localhost/busybox:latest"; for ((i = 1; i <= STEPS; i++)); do echo "RUN echo $i > /f$i"; done; } >"$c/steps/Dockerfile"
  printf 'FROM localhost/busybox:latest\nRUN echo 1 > /f1\n' >"$c/step1/Dockerfile"
  # the same commands, each in its own shell, as a RUN step runs them
  mkdir -p "$work/shell-out"
  for ((i = 1; i <= STEPS; i++)); do echo "$BUSYBOX sh -c 'echo $i > $work/shell-out/f$i'"; done >"$work/shell-steps.sh"

  cat >"$c/chain/Dockerfile" <<'EOF'
FROM localhost/busybox:latest
ENV APP_HOME=/app GREETING=hello
WORKDIR /app
RUN echo "$GREETING from chain" > step1.txt
RUN seq 1 10000 > step2.txt
RUN mkdir -p data && cp step2.txt data/copy.txt
COPY input.txt /app/input.txt
RUN sha256sum step1.txt step2.txt input.txt > sums.txt
RUN dd if=/dev/zero of=blob.bin bs=1024 count=512 2>/dev/null
RUN chown -R bench:bench /app && ls -l /app > listing.txt
USER bench
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["cat /app/step1.txt /app/sums.txt"]
EOF
  echo "chain input v1" >"$c/chain/input.txt"

  cat >"$c/parallel/Dockerfile" <<'EOF'
FROM localhost/busybox:latest AS builder-a
COPY a.txt /src/a.txt
RUN sleep 1 && mkdir -p /out && sha256sum /src/a.txt > /out/a.sum

FROM localhost/busybox:latest AS builder-b
COPY b.txt /src/b.txt
RUN sleep 1 && mkdir -p /out && sha256sum /src/b.txt > /out/b.sum

FROM localhost/busybox:latest
COPY --from=builder-a /out/a.sum /result/a.sum
COPY --from=builder-b /out/b.sum /result/b.sum
CMD ["cat", "/result/a.sum", "/result/b.sum"]
EOF
  echo "stage a v1" >"$c/parallel/a.txt"
  echo "stage b v1" >"$c/parallel/b.txt"

  cat >"$c/go/Dockerfile" <<'EOF'
FROM localhost/debian-toolchain:latest AS build
WORKDIR /src
COPY go.mod main.go ./
RUN CGO_ENABLED=0 HOME=/tmp GOCACHE=/tmp/go-cache GOPATH=/tmp/go go build -trimpath -o /out/hello .

FROM scratch
COPY --from=build /out/hello /hello
ENTRYPOINT ["/hello"]
EOF
  printf 'module example.com/hello\n\ngo 1.19\n' >"$c/go/go.mod"
  cat >"$c/go/main.go" <<'EOF'
package main

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
)

func main() {
	sum := sha256.Sum256([]byte("gantry"))
	out, _ := json.Marshal(map[string]string{"hello": fmt.Sprintf("%x", sum[:4]), "status": http.StatusText(200)})
	fmt.Fprintln(os.Stdout, string(out))
}
EOF
}

# ---- gantry -------------------------------------------------------------------------------
g="$gantry build -q --network=$NETWORK"
# cold: the built image and every build cache record removed; the base image stays unpacked, as
# it stays in dockerd's store when the peers' cold runs prune theirs
g_cold_prep() { # IMAGE [STATE ROOT]
  echo "export GANTRY_ROOT=${2:-$GANTRY_ROOT}; $gantry rmi $1 >/dev/null 2>&1; $gantry prune >/dev/null"
}
# The 20,000-file context has a state root of its own: each touched build leaves a 20,000-file
# snapshot, and deleting those takes minutes on a busy disk, which the other scenarios' cold
# prunes would otherwise pay for.
big_root=$work/root-big
gb="env GANTRY_ROOT=$big_root $g"

# The Debian toolchain image: an OCI/docker archive, OCI layout or rootfs (tar or directory).
import_go_base() {
  local src=$1 out
  if [[ -d $src && -f $src/index.json ]]; then
    tar -C "$src" -cf "$work/go-base.tar" . && src=$work/go-base.tar
  elif [[ -d $src ]]; then
    tar -C "$src" --numeric-owner -cf "$work/go-base.tar" . && src=$work/go-base.tar
  fi
  if tar -tf "$src" 2>/dev/null | grep -qxE '(\./)?(index\.json|manifest\.json)'; then
    out=$("$gantry" load -i "$src" 2>&1) || { log "gantry load $src: $out"; return 1; }
    local name
    name=$(grep -oE 'Loaded image[^:]*: *[^ ]+' <<<"$out" | head -1 | sed -E 's/^Loaded image[^:]*: *//')
    [[ -n $name ]] || name=$("$gantry" images | awk 'NR > 1 && $1 != "localhost/busybox" { print $1 ":" $2; exit }')
    "$gantry" tag "$name" localhost/debian-toolchain:latest
  else
    "$gantry" import "$src" localhost/debian-toolchain:latest >/dev/null
  fi
  rm -f "$work/go-base.tar"
}

# `gantry daemon` on the bench's state root, for the docker client: started by run_gantry,
# stopped (SIGTERM drains it) once its timings are taken, or by the clean-up.
daemon_socket=$work/gantry.sock
dg="DOCKER_BUILDKIT=0 $DOCKER_CLIENT -H unix://$daemon_socket build -q --network=$NETWORK"
run_gantry_daemon() {
  local c=$work/ctx i
  "$gantry" daemon -H "unix://$daemon_socket" 2>"$work/daemon.log" &
  daemon_pid=$!
  for ((i = 0; i < 100; i++)); do [[ -S $daemon_socket ]] && break; sleep 0.1; done
  [[ -S $daemon_socket ]] || { log "gantry daemon did not start:"; tail -5 "$work/daemon.log" >&2; return 0; }
  bash -c "$dg -t bench-dchain $c/chain" >/dev/null
  hf gantry-daemon.chain.warm "$WARMUP" "" "$dg -t bench-dchain $c/chain"
  hf gantry-daemon.chain.cold "$WARMUP" "$(g_cold_prep bench-dchain)" "$dg -t bench-dchain $c/chain"
  kill "$daemon_pid"; wait "$daemon_pid" || true
  daemon_pid=""
}

# touched_reruns ROOT CONTEXT VICTIM SIZE TAG: RUNS builds, each after rewriting VICTIM, with JSON
# progress: "wall_ms steps_ms" per build, steps_ms the sum of the `done` durations of the steps
# that re-ran in that same build, so that what the build adds around its steps is measured per
# build, not against another run's steps.
touched_reruns() {
  local i start end
  for ((i = 0; i < RUNS; i++)); do
    head -c "$4" /dev/urandom >"$3"
    start=$(date +%s%N)
    GANTRY_ROOT=$1 "$gantry" build --progress=json --network="$NETWORK" -t "$5" "$2" >"$work/touch.json" 2>/dev/null
    end=$(date +%s%N)
    echo "$(((end - start) / 1000000)) $(jq -s '[.[] | select(.type == "done") | .duration] | add * 1000 | round' "$work/touch.json")"
  done
}

run_gantry() {
  local c=$work/ctx
  "$gantry" import "$work/base.tar" localhost/busybox:latest >/dev/null
  GANTRY_ROOT=$big_root "$gantry" import "$work/base.tar" localhost/busybox:latest >/dev/null

  if want steps; then
    hf gantry.steps.cold "$WARMUP" "$(g_cold_prep bench-steps)" "$g -t bench-steps $c/steps"
    hf gantry.step1.cold "$WARMUP" "$(g_cold_prep bench-step1)" "$g -t bench-step1 $c/step1"
    hf shell.steps "$WARMUP" "" "bash $work/shell-steps.sh"
  fi
  if want chain; then
    $g -t bench-chain "$c/chain" >/dev/null
    hf gantry.chain.warm "$WARMUP" "" "$g -t bench-chain $c/chain"
  fi
  if want bigctx; then
    $gb -t bench-big "$big" >/dev/null
    hf gantry.big.warm "$WARMUP" "" "$gb -t bench-big $big"
    hf gantry.big.touch "$WARMUP" "head -c 5120 /dev/urandom > $big_victim" "$gb -t bench-big $big"
    # the same touched build RUNS more times: its wall time and the steps that re-ran
    touched_reruns "$big_root" "$big" "$big_victim" 5120 bench-big >"$res/gantry.big.rerun"
  fi
  if want parallel; then
    hf gantry.parallel.cold "$WARMUP" "$(g_cold_prep bench-parallel)" "$g -t bench-parallel $c/parallel"
  fi
  if want go; then
    if [[ ! -e $GO_BASE ]]; then
      if [[ -x $repo/scripts/mkbase-debian.sh ]]; then
        notes+=("Go build skipped: no toolchain image at $GO_BASE (scripts/test-fixtures.sh makes it with scripts/mkbase-debian.sh).")
      else
        notes+=("Go build skipped: scripts/mkbase-debian.sh is not in the repo yet, and GO_BASE ($GO_BASE) does not exist.")
      fi
    elif import_go_base "$GO_BASE"; then
      hf gantry.go.cold "$WARMUP" "$(g_cold_prep bench-go)" "$g -t bench-go $c/go"
    else
      notes+=("Go build skipped: could not bring $GO_BASE into the store.")
    fi
  fi
  if want export; then
    $g -t bench-layer "$layer_ctx" >/dev/null
    # SOURCE_DATE_EPOCH makes every export pack and compress the layer again, instead of
    # reusing the blob the previous export stored
    # The same build with no output: what each export below costs beyond it (with
    # SOURCE_DATE_EPOCH the build itself packs the clamped layer again for the local image)
    hf gantry.export.none "$WARMUP" "" "SOURCE_DATE_EPOCH=0 $g -t bench-layer $layer_ctx"
    local comp
    for comp in gzip zstd uncompressed; do
      hf "gantry.export.$comp" "$WARMUP" "rm -f $work/export.tar" \
        "SOURCE_DATE_EPOCH=0 $g -t bench-layer -o type=oci,dest=$work/export.tar,compression=$comp $layer_ctx"
      stat -c %s "$work/export.tar" >"$res/gantry.export.$comp.size" 2>/dev/null || true
    done
    # The floors, over the same bytes: the layer's tar (the uncompressed archive's largest blob)
    # deflated by single-thread zlib (pigz -p 1 is plain zlib at level 6, gzip's default), and the
    # uncompressed archive copied by dd and fsynced, as gantry fsyncs an archive it writes.
    local layer_tar
    layer_tar=$(tar -tvf "$work/export.tar" | sort -k3 -n | tail -1 | awk '{ print $NF }')
    tar -xOf "$work/export.tar" "$layer_tar" >"$work/layer.tar"
    hf zlib.layer "$WARMUP" "" "pigz -p 1 -6 -c $work/layer.tar"
    hf dd.export "$WARMUP" "rm -f $work/dd.tar" "dd if=$work/export.tar of=$work/dd.tar bs=1M conv=fsync status=none"
    rm -f "$work/export.tar" "$work/layer.tar" "$work/dd.tar"
  fi
  if want rss; then
    rss() { # NAME PREPARE COMMAND: peak RSS in KB of one run
      bash -c "$2"
      /usr/bin/time -f %M -o "$res/$1.rss" bash -c "exec $3 >/dev/null" || echo FAIL >"$res/$1.rss"
    }
    $g -t bench-chain "$c/chain" >/dev/null
    rss gantry.chain.warm "" "$g -t bench-chain $c/chain"
    rss gantry.chain.cold "$(g_cold_prep bench-chain)" "$g -t bench-chain $c/chain"
    rss gantry.big.cold "$(g_cold_prep bench-big "$big_root")" "$gb -t bench-big $big"
    rss gantry.big.warm "" "$gb -t bench-big $big"
  fi
  if want daemon; then
    if [[ -x $DOCKER_CLIENT ]]; then
      run_gantry_daemon
    else
      notes+=("docker build through gantry daemon skipped: no docker client at $DOCKER_CLIENT.")
    fi
  fi
}

# ---- peers ----------------------------------------------------------------------------------
# BuildKit (dockerd 20.10, the /usr/bin/docker 20.10 client) and buildah (chroot isolation, the
# cheapest that works here), with the stores, sockets and flags of the peers' env.sh.
peer_build() { # TOOL CONTEXT TAG [extra flags] -> a command string
  local t=$1 ctx=$2 tag=$3; shift 3
  case $t in
    docker-bk) echo "DOCKER_BUILDKIT=1 $DOCKER build --network=none -q $* -t $tag $ctx" ;;
    buildah) echo "$BUILDAH bud --isolation=chroot --layers -q $* -t $tag $ctx" ;;
  esac
}
# cold for a peer: every image but the base removed, build cache pruned (as in FINDINGS.md)
peer_clean_docker() {
  local base ids _
  base=$($DOCKER image inspect -f '{{.Id}}' "$BASE_REF")
  for _ in 1 2 3 4 5; do # children first: repeat until only the base is left
    ids=$($DOCKER images -a -q --no-trunc | sort -u | grep -vx "$base" || true)
    [[ -z $ids ]] && break
    # shellcheck disable=SC2086
    $DOCKER rmi -f $ids >/dev/null 2>&1 || true
  done
  $DOCKER builder prune -af >/dev/null
}
peer_clean_buildah() {
  $BUILDAH rm --all >/dev/null 2>&1 || true
  $BUILDAH rmi -a -f >/dev/null 2>&1 || true
  skopeo copy -q "oci:$BASE_OCI:latest" "$CS_REF$BASE_REF"
}
peer_clean_all() {
  [[ " $PEER_TOOLS " == *" docker-bk "* ]] && peer_clean_docker
  [[ " $PEER_TOOLS " == *" buildah "* ]] && peer_clean_buildah
  return 0
}
peer_prep() { echo "peer_clean_${1/docker-bk/docker}"; }

start_peers() {
  ((use_peers)) || { notes+=("Peers skipped (--no-peers)."); return 1; }
  if [[ ! -x $PEERS_DIR/setup.sh || ! -f $PEERS_DIR/env.sh ]]; then
    notes+=("Peers skipped: no peer set-up at $PEERS_DIR (setup.sh, env.sh).")
    return 1
  fi
  log "starting the peers with $PEERS_DIR/setup.sh (log: $work/peers.log)"
  peers_started=1 # from here on, stop.sh runs on exit whatever happens
  if ! "$PEERS_DIR/setup.sh" >"$work/peers.log" 2>&1; then
    tail -5 "$work/peers.log" >&2
    notes+=("Peers skipped: $PEERS_DIR/setup.sh failed.")
    return 1
  fi
  # shellcheck source=/dev/null
  source "$PEERS_DIR/env.sh"
  export DOCKER BUILDAH BASE_REF BASE_OCI CS_REF
  export -f peer_clean_docker peer_clean_buildah
  peer_versions="$($DOCKER version --format 'dockerd {{.Server.Version}}' 2>/dev/null), $(buildah --version | cut -d' ' -f1-3)"
}

run_peers() {
  local c=$work/ctx t p
  for t in $PEER_TOOLS; do
    p=$(peer_prep "$t")
    # buildah costs 0.5-1 s per RUN step and 10 s or more per bigcontext build here: it is timed
    # only where that stays cheap (chain, parallel stages, export)
    if want steps && [[ $t == docker-bk ]]; then
      hf "$t.steps.cold" "$WARMUP" "$p" "$(peer_build "$t" "$c/steps" bench-steps)"
      hf "$t.step1.cold" "$WARMUP" "$p" "$(peer_build "$t" "$c/step1" bench-step1)"
    fi
    if want chain; then
      bash -c "$(peer_build "$t" "$c/chain" bench-chain)" >/dev/null
      hf "$t.chain.warm" "$WARMUP" "" "$(peer_build "$t" "$c/chain" bench-chain)"
    fi
    if want bigctx && [[ $t == docker-bk ]]; then
      bash -c "$(peer_build "$t" "$big" bench-big)" >/dev/null
      hf "$t.big.warm" "$WARMUP" "" "$(peer_build "$t" "$big" bench-big)"
      hf "$t.big.touch" "$WARMUP" "head -c 5120 /dev/urandom > $big_victim" "$(peer_build "$t" "$big" bench-big)"
    fi
    if want parallel; then
      local jobs=""
      [[ $t == buildah ]] && jobs=--jobs=2 # buildah runs stages one at a time unless asked
      hf "$t.parallel.cold" "$WARMUP" "$p" "$(peer_build "$t" "$c/parallel" bench-parallel $jobs)"
    fi
    if want daemon && [[ $t == docker-bk ]]; then # dockerd's classic builder, and BuildKit
      local classic="DOCKER_BUILDKIT=0 $DOCKER build -q --network=none -t bench-dchain $c/chain"
      bash -c "$classic" >/dev/null
      hf docker-classic.dchain.warm "$WARMUP" "" "$classic"
      hf docker-classic.dchain.cold "$WARMUP" "$p" "$classic"
      bash -c "$(peer_build "$t" "$c/chain" bench-dchain)" >/dev/null
      hf docker-bk.dchain.warm "$WARMUP" "" "$(peer_build "$t" "$c/chain" bench-dchain)"
      hf docker-bk.dchain.cold "$WARMUP" "$p" "$(peer_build "$t" "$c/chain" bench-dchain)"
    fi
    if want export; then
      bash -c "$(peer_build "$t" "$layer_ctx" bench-layer)" >/dev/null
      if [[ $t == buildah ]]; then # the same format as ours: oci-archive, gzip or zstd layers
        hf buildah.export.gzip "$WARMUP" "rm -f $work/export.tar" \
          "$BUILDAH push -q --compression-format gzip bench-layer oci-archive:$work/export.tar"
        hf buildah.export.zstd "$WARMUP" "rm -f $work/export.tar" \
          "$BUILDAH push -q --compression-format zstd bench-layer oci-archive:$work/export.tar"
      else # dockerd 20.10 has no oci exporter without buildx: docker save (uncompressed)
        hf docker-bk.export.save "$WARMUP" "rm -f $work/export.tar" "$DOCKER save -o $work/export.tar bench-layer"
      fi
      rm -f "$work/export.tar"
    fi
  done
}

# ---- scenario: a 100,000-file context (gantry vs BuildKit) ----------------------------------
big100k_root=$work/root-big100k # its own state root, as the 20,000-file context has
run_gantry_big100k() {
  local gk="env GANTRY_ROOT=$big100k_root $g"
  GANTRY_ROOT=$big100k_root "$gantry" import "$work/base.tar" localhost/busybox:latest >/dev/null
  $gk -t bench-big100k "$big100k" >/dev/null
  hf gantry.big100k.warm "$WARMUP" "" "$gk -t bench-big100k $big100k"
  hf gantry.big100k.touch "$WARMUP" "head -c 1024 /dev/urandom > $big100k_victim" "$gk -t bench-big100k $big100k"
  touched_reruns "$big100k_root" "$big100k" "$big100k_victim" 1024 bench-big100k >"$res/gantry.big100k.rerun"
}
run_peer_big100k() { # TOOL
  bash -c "$(peer_build "$1" "$big100k" bench-big100k)" >/dev/null
  hf "$1.big100k.warm" "$WARMUP" "" "$(peer_build "$1" "$big100k" bench-big100k)"
  hf "$1.big100k.touch" "$WARMUP" "head -c 1024 /dev/urandom > $big100k_victim" "$(peer_build "$1" "$big100k" bench-big100k)"
}

# ---- scenario: pull a 3-layer image onto a fresh root (gantry vs skopeo vs podman) ----------
# Three COPY layers of PULL_MB/3 MB each, half text and half incompressible bytes (like the
# export layer), pushed once by gantry to a registry of the bench's own on a free loopback port.
make_pull_image() {
  local d=$BENCH_DATA/pull-${PULL_MB}mb n=$((PULL_MB / 3 / 4)) l
  if [[ ! -f $d/.complete ]]; then
    log "generating 3 x $((PULL_MB / 3)) MB of layer data in $d (once)"
    rm -rf "$d"
    for l in 1 2 3; do
      mkdir -p "$d/layer$l"
      { openssl enc -aes-128-ctr -nosalt -K 0f0e0d0c0b0a0908070605040302010$l \
          -iv 00000000000000000000000000000000 -in /dev/zero 2>/dev/null || true; } |
        head -c $((n * 2000000)) | (cd "$d/layer$l" && split -b 2000000 -a 4 -d - random)
      { seq "$l" 3 300000000 || true; } | head -c $((n * 2000000)) | (cd "$d/layer$l" && split -b 2000000 -a 4 -d - text)
    done
    printf 'FROM scratch\nCOPY layer1/ /layer1/\nCOPY layer2/ /layer2/\nCOPY layer3/ /layer3/\n' >"$d/Dockerfile"
    touch "$d/.complete"
  fi
  printf '.complete\n' >"$d/.dockerignore"
  pull_ctx=$d
}
registry_pid=""
pull_tools="gantry"
run_pull() {
  local reg_sh=$repo/../shared/tools/registry.sh port ref
  [[ -x $reg_sh ]] || { notes+=("Pull skipped: no $reg_sh."); return 0; }
  make_pull_image
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  export GANTRY_REGISTRY_DIR=$work/registry GANTRY_REGISTRY_PORT=$port
  "$reg_sh" start >"$work/registry.log" 2>&1 || { notes+=("Pull skipped: registry.sh start failed."); return 0; }
  registry_pid=$(cat "$GANTRY_REGISTRY_DIR/registry.pid")
  ref=127.0.0.1:$port/bench/pull3:latest
  $g -t "$ref" "$pull_ctx" >/dev/null
  "$gantry" push "$ref" >/dev/null
  hf gantry.pull "$WARMUP" "rm -rf --one-file-system $work/pull-root" "env GANTRY_ROOT=$work/pull-root $gantry pull $ref"
  rm -rf --one-file-system "$work/pull-root"
  ((use_peers)) || return 0
  # containers-storage on a fresh root of its own per run (overlay, as the peers' store)
  local cs=$work/pull-cs
  local cs_flags="--root $cs/root --runroot $cs/run --storage-driver overlay"
  local cs_clean="umount -R $cs/root/overlay 2>/dev/null; rm -rf --one-file-system $cs"
  if command -v skopeo >/dev/null; then
    pull_tools+=" skopeo"
    hf skopeo.pull "$WARMUP" "$cs_clean" \
      "skopeo copy -q --src-tls-verify=false docker://$ref containers-storage:[overlay@$cs/root+$cs/run]$ref"
  fi
  if command -v podman >/dev/null; then
    pull_tools+=" podman"
    hf podman.pull "$WARMUP" "$cs_clean" \
      "podman $cs_flags --runtime runc --cgroup-manager cgroupfs --events-backend file pull -q --tls-verify=false $ref"
  fi
  bash -c "$cs_clean"
}
stop_registry() {
  [[ -n $registry_pid ]] || return 0
  "$repo/../shared/tools/registry.sh" stop >/dev/null 2>&1 || true
  registry_pid=""
}

# ---- scenario: SCALE_BUILDS concurrent builds of different contexts on one root -------------
# Each context has its own input, so no two builds share a step past FROM. scale.sh MODE runs
# them all at once (par) or one after another (seq), each under /usr/bin/time for its peak RSS,
# and fails when any build fails.
scale_root=$work/root-scale
make_scale_contexts() {
  local i c
  for ((i = 1; i <= SCALE_BUILDS; i++)); do
    c=$work/ctx/scale/$i
    mkdir -p "$c"
    echo "context $i" >"$c/input.txt"
    cat >"$c/Dockerfile" <<'EOF'
FROM localhost/busybox:latest
COPY input.txt /app/input.txt
RUN seq 1 20000 > /app/seq.txt && sha256sum /app/input.txt /app/seq.txt > /app/sums.txt
RUN dd if=/dev/zero of=/app/blob.bin bs=1024 count=256 2>/dev/null && ls -l /app > /app/listing.txt
CMD ["cat", "/app/sums.txt"]
EOF
  done
  cat >"$work/scale.sh" <<EOF
mode=\$1 fails=0 pids=()
for ((i = 1; i <= $SCALE_BUILDS; i++)); do
  cmd=(/usr/bin/time -f %M -o $res/scale.\$mode.\$i.rss env GANTRY_ROOT=$scale_root $gantry build -q --network=$NETWORK -t bench-scale-\$i $work/ctx/scale/\$i)
  if [[ \$mode == par ]]; then "\${cmd[@]}" >/dev/null 2>$res/scale.\$mode.\$i.err & pids+=(\$!)
  else "\${cmd[@]}" >/dev/null 2>$res/scale.\$mode.\$i.err || fails=\$((fails + 1)); fi
done
for p in "\${pids[@]}"; do wait "\$p" || fails=\$((fails + 1)); done
echo "\$fails" >$res/scale.\$mode.fails
exit \$((fails > 0))
EOF
}
run_gantry_scale() {
  local tags="" i
  make_scale_contexts
  GANTRY_ROOT=$scale_root "$gantry" import "$work/base.tar" localhost/busybox:latest >/dev/null
  for ((i = 1; i <= SCALE_BUILDS; i++)); do tags+=" bench-scale-$i"; done
  local prep="export GANTRY_ROOT=$scale_root; $gantry rmi$tags >/dev/null 2>&1; $gantry prune >/dev/null"
  hf gantry.scale.par "$WARMUP" "$prep" "bash $work/scale.sh par"
  hf gantry.scale.seq "$WARMUP" "$prep" "bash $work/scale.sh seq"
}
scale_rss_sum() { # MODE -> MB, the sum of the last run's peak RSS per build
  # (time -o also writes "Command exited with non-zero status N" for a failed build)
  cat "$res"/scale."$1".*.rss 2>/dev/null | awk '/^[0-9]+$/ { s += $1; n++; if ($1 + 0 > m) m = $1 + 0 }
    END { if (n) printf "%.0f MB (%d builds, max %.0f MB)", s / 1024, n, m / 1024; else print "—" }'
}

# ---- scenario: real projects (testdata's Go and C++ multi-stage builds) ---------------------
# Cold = the built image and all build cache removed, the toolchain and busybox images kept;
# edit = one line appended to the project's main source file before each run.
projects="go cpp"
proj_src() { case $1 in go) echo main.go ;; cpp) echo main.cpp ;; esac; }
make_project_contexts() {
  local p
  for p in $projects; do
    rm -rf "$work/ctx/proj-$p"
    cp -r "$repo/testdata/$p-multistage" "$work/ctx/proj-$p"
  done
}
proj_edit() { echo "echo '// edit '\$(date +%s%N) >> $work/ctx/proj-$1/$(proj_src "$1")"; }
have_toolchain=0
run_gantry_projects() {
  [[ -f $GO_BASE ]] || { notes+=("Projects skipped: no toolchain image at $GO_BASE."); return 0; }
  make_project_contexts
  "$gantry" import "$GO_BASE" debian-toolchain:latest >/dev/null
  "$gantry" tag localhost/busybox:latest busybox:latest
  have_toolchain=1
  local p
  for p in $projects; do
    hf "gantry.proj-$p.cold" "$WARMUP" "$(g_cold_prep "bench-proj-$p")" "$g -t bench-proj-$p $work/ctx/proj-$p"
    hf "gantry.proj-$p.edit" "$WARMUP" "$(proj_edit "$p")" "$g -t bench-proj-$p $work/ctx/proj-$p"
  done
}
# the peers get the same toolchain rootfs as an image named debian-toolchain:latest, and the
# base as busybox:latest; their cold prepare keeps both
proj_cold_docker() {
  local _
  $DOCKER rmi -f "$1" >/dev/null 2>&1 || true
  $DOCKER builder prune -af >/dev/null
}
proj_cold_buildah() {
  local _
  $BUILDAH rm --all >/dev/null 2>&1 || true
  $BUILDAH rmi -f "$1" >/dev/null 2>&1 || true
  for _ in 1 2 3 4 5; do $BUILDAH rmi --prune >/dev/null 2>&1 || true; done
}
run_peer_projects() {
  ((have_toolchain)) || return 0
  local t p
  export -f proj_cold_docker proj_cold_buildah
  for t in $PEER_TOOLS; do
    log "importing $GO_BASE into $t"
    case $t in
      docker-bk)
        $DOCKER import "$GO_BASE" debian-toolchain:latest >/dev/null
        $DOCKER tag "$BASE_REF" busybox:latest ;;
      buildah)
        $PODMAN import "$GO_BASE" localhost/debian-toolchain:latest >/dev/null ;;
    esac
    for p in $projects; do
      hf "$t.proj-$p.cold" "$WARMUP" "proj_cold_${t/docker-bk/docker} bench-proj-$p" "$(peer_build "$t" "$work/ctx/proj-$p" "bench-proj-$p")"
      hf "$t.proj-$p.edit" "$WARMUP" "$(proj_edit "$p")" "$(peer_build "$t" "$work/ctx/proj-$p" "bench-proj-$p")"
    done
  done
}

# ---- the rows of these scenarios ------------------------------------------------------------
beyond() { # NAME -> "median (min)" of the time beyond 1 s, or FAIL / —
  failed "$1" && { echo FAIL; return; }
  local m n
  m=$(val "$1" median); n=$(val "$1" min)
  [[ -n $m ]] || { echo "—"; return; }
  awk -v m="$m" -v n="$n" 'BEGIN { printf "%.0f ms (%.0f)", (m - 1) * 1000, (n - 1) * 1000 }'
}
beyond_ratio() { # NAME NAME -> ratio of the times beyond 1 s, from medians
  local a b
  a=$(val "$1" median); b=$(val "$2" median)
  [[ -n $a && -n $b ]] || { echo "—"; return; }
  ratio "$(awk -v a="$a" 'BEGIN { print a - 1 }')" "$(awk -v b="$b" 'BEGIN { print b - 1 }')"
}
print_parallel_row() {
  local row t
  row="| two 1 s stages + final, cold: time beyond the 1 s critical path | ≤ 30 ms | $(beyond gantry.parallel.cold) |"
  if ((have_peers)); then
    for t in $PEER_TOOLS; do row+=" $(beyond "$t.parallel.cold") | $(beyond_ratio gantry.parallel.cold "$t.parallel.cold") |"; done
  fi
  echo "$row"
}
print_big100k_rows() {
  echo "| $BIG100K_FILES-file context (1 KB files), warm no-op | | $(cell gantry.big100k.warm) |$(peer_cols "$(val gantry.big100k.warm median)" big100k.warm)"
  echo "| $BIG100K_FILES-file context, one file changed | re-run steps: $(median_of 2 big100k | awk '{ printf "%.0f ms", $1 }') | $(cell gantry.big100k.touch) |$(peer_cols "$(val gantry.big100k.touch median)" big100k.touch)"
  echo "| … the same build's time beyond its re-run steps | | $(median_of 3 big100k | awk '{ printf "%.0f ms", $1 }') ($(min_of 3 big100k)) |$(dashes)"
}
print_projects_rows() {
  local p k label
  for p in $projects; do
    for k in cold edit; do
      label="cold"; [[ $k == edit ]] && label="one-line edit of $(proj_src "$p")"
      [[ -f $res/gantry.proj-$p.$k.json ]] || continue
      echo "| testdata/$p-multistage, $label | | $(cell "gantry.proj-$p.$k") |$(peer_cols "$(val "gantry.proj-$p.$k" median)" "proj-$p.$k")"
    done
  done
}
print_scale_rows() {
  [[ -f $res/gantry.scale.par.json ]] || return 0
  echo "| $SCALE_BUILDS different builds on one root, all at once, cold | ≤ one by one | $(cell gantry.scale.par) |$(dashes)"
  echo "| the same $SCALE_BUILDS builds one by one, cold | | $(cell gantry.scale.seq) |$(dashes)"
  echo "| … all at once ÷ one by one (medians) | < 1 | $(ratio "$(val gantry.scale.par median)" "$(val gantry.scale.seq median)") |$(dashes)"
  echo "| … peak RSS sum of the $SCALE_BUILDS builds at once | | $(scale_rss_sum par) |$(dashes)"
  echo "| … failed builds (last run at once / one by one) | 0 | $(cat "$res/scale.par.fails" 2>/dev/null || echo —) / $(cat "$res/scale.seq.fails" 2>/dev/null || echo —) |$(dashes)"
}
print_pull_table() {
  [[ -f $res/gantry.pull.json ]] || return 0
  local gm row t head="| pull | target | gantry pull |" rule="|---|---|---|"
  gm=$(val gantry.pull median)
  row="| $PULL_MB MB, 3 layers, local registry → fresh root | each ratio ≤ 0.67 | $(cell gantry.pull) |"
  for t in $pull_tools; do
    [[ $t == gantry ]] && continue
    case $t in skopeo) head+=" skopeo copy → containers-storage | gantry/skopeo |" ;; podman) head+=" podman pull | gantry/podman |" ;; esac
    rule+="---|---|"
    row+=" $(cell "$t.pull") | $(ratio "$gm" "$(val "$t.pull" median)") |"
  done
  echo
  echo "$head"
  echo "$rule"
  echo "$row"
  echo
  echo "Each run starts from an empty state root (gantry) or an empty containers-storage root (overlay driver; the same for skopeo and podman), outside the timing; the registry (docker-registry over http on loopback) stays up. A ratio ≤ 0.67 is gantry ≥ 1.5x faster."
}

# ---- the table ------------------------------------------------------------------------------
peer_cols() { # gantry-seconds key -> " peer | ratio |" for each peer tool
  local gs=$1 key=$2 t out=""
  for t in $PEER_TOOLS; do
    ((have_peers)) || break
    out+=" $(cell "$t.$key") | $(ratio "$gs" "$(val "$t.$key" median)") |"
  done
  echo "$out"
}
dashes() { local t out=""; ((have_peers)) && for t in $PEER_TOOLS; do out+=" — | — |"; done; echo "$out"; }
per_step() { # TOOL -> seconds per step, from medians
  local a b s
  a=$(val "$1.steps.cold" median); b=$(val "$1.step1.cold" median); s=$(val shell.steps median)
  [[ -n $a && -n $b && -n $s ]] || return 0
  awk -v a="$a" -v b="$b" -v s="$s" -v n="$STEPS" 'BEGIN { printf "%.4f", (a - b - s * (n - 1) / n) / (n - 1) }'
}
beyond_build() { # NAME -> median seconds beyond the same build with no output
  local m b
  m=$(val "$1" median); b=$(val gantry.export.none median)
  [[ -n $m && -n $b ]] && awk -v m="$m" -v b="$b" 'BEGIN { printf "%.4f", m - b }'
}
mbps_of() { awk -v s="$1" -v mb="$LAYER_MB" 'BEGIN { if (s + 0 > 0) printf "%.0f MB/s", mb / s; else print "—" }'; }
mbps() { # NAME -> "N MB/s (median time)"
  local m
  failed "$1" && { echo FAIL; return; }
  m=$(val "$1" median)
  [[ -n $m ]] || { echo "—"; return; }
  awk -v m="$m" -v mb="$LAYER_MB" 'BEGIN { printf "%.0f MB/s (%.2f s)", mb / m, m }'
}

print_table() {
  local t head="| scenario | target | gantry |" rule="|---|---|---|" row s
  if ((have_peers)); then
    for t in $PEER_TOOLS; do
      case $t in docker-bk) t=BuildKit ;; esac
      head+=" $t | gantry/$t |"; rule+="---|---|"
    done
  fi
  echo
  echo "$head"
  echo "$rule"
  if want steps; then
    s=$(per_step gantry)
    row="| per-RUN overhead ($STEPS RUNs cold − 1-RUN cold − shell) | ≤ 8 ms/step | $(awk -v s="$s" 'BEGIN { if (s == "") print "—"; else printf "%.1f ms/step", s * 1000 }') |"
    if ((have_peers)); then
      for t in $PEER_TOOLS; do
        local ps; ps=$(per_step "$t")
        row+=" $(awk -v s="$ps" 'BEGIN { if (s == "") print "—"; else printf "%.1f ms/step", s * 1000 }') | $(ratio "$s" "$ps") |"
      done
    fi
    echo "$row"
    echo "| $STEPS RUNs, cold | | $(cell gantry.steps.cold) |$(peer_cols "$(val gantry.steps.cold median)" steps.cold)"
    echo "| 1 RUN, cold | | $(cell gantry.step1.cold) |$(peer_cols "$(val gantry.step1.cold median)" step1.cold)"
    echo "| the $STEPS commands in a shell | | $(cell shell.steps) |$(dashes)"
  fi
  want chain && echo "| chain (6 RUNs), warm no-op | ≤ 30 ms | $(cell gantry.chain.warm) |$(peer_cols "$(val gantry.chain.warm median)" chain.warm)"
  if want bigctx; then
    echo "| $BIG_FILES-file context, warm no-op | ≤ 60 ms | $(cell gantry.big.warm) |$(peer_cols "$(val gantry.big.warm median)" big.warm)"
    echo "| $BIG_FILES-file context, one file changed | ≤ 100 ms + re-run steps ($(median_of 2 | awk '{ printf "%.0f ms", $1 }')) | $(cell gantry.big.touch) |$(peer_cols "$(val gantry.big.touch median)" big.touch)"
    echo "| … the same build's time beyond its re-run steps | ≤ 100 ms | $(median_of 3 | awk '{ printf "%.0f ms", $1 }') ($(min_of 3)) |$(dashes)"
  fi
  want big100k && print_big100k_rows
  want parallel && print_parallel_row
  if want go; then
    if [[ -f $res/gantry.go.cold.json ]]; then
      echo "| multi-stage Go build, cold | | $(cell gantry.go.cold) |$(dashes)"
    else
      echo "| multi-stage Go build, cold | | skipped (see notes) |$(dashes)"
    fi
  fi
  if want export; then
    local comp peer
    for comp in gzip zstd; do
      local target=""
      [[ $comp == zstd ]] && target="≥ 350 MB/s"
      row="| export $LAYER_MB MB layer, oci-archive $comp | $target | $(mbps "gantry.export.$comp"); export alone $(mbps_of "$(beyond_build "gantry.export.$comp")") |"
      if ((have_peers)); then
        for t in $PEER_TOOLS; do
          peer=$t.export.$comp
          [[ $t == docker-bk ]] && peer=docker-bk.export.save
          local label=""
          [[ $t == docker-bk ]] && label=" docker save, uncompressed"
          row+=" $(mbps "$peer")$label | $(ratio "$(val "gantry.export.$comp" median)" "$(val "$peer" median)") |"
        done
      fi
      echo "$row"
      [[ $comp == gzip ]] && echo "| … gzip export alone ÷ single-thread zlib on the layer's tar ($(mbps zlib.layer)) | ≥ 1.8× | $(ratio "$(val zlib.layer median)" "$(beyond_build gantry.export.gzip)")× |$(dashes)"
    done
    echo "| export $LAYER_MB MB layer, oci-archive uncompressed | disk speed | $(mbps gantry.export.uncompressed); export alone $(mbps_of "$(beyond_build gantry.export.uncompressed)") |$(dashes)"
    echo "| … dd of the same archive (conv=fsync): disk speed | | $(mbps dd.export) |$(dashes)"
  fi
  want projects && print_projects_rows
  want scale && print_scale_rows
  if want rss; then
    local k
    for k in chain.cold chain.warm big.cold big.warm; do
      local v; v=$(cat "$res/gantry.$k.rss" 2>/dev/null || echo "—")
      [[ $v =~ ^[0-9]+$ ]] && v="$((v / 1024)) MB"
      echo "| peak RSS, ${k/./ } build | | $v |$(dashes)"
    done
  fi
  echo
  echo "Cells: median (min) of $RUNS runs after $WARMUP warm-up(s) (hyperfine). cold = the built image and all build cache removed before each run, outside the timing (the base image stays); warm = no-op rebuild; one file changed = one 5 KB file's content rewritten before each run."
  echo "Ratios are gantry time ÷ peer time, from medians: below 1 means gantry is faster (for export too, so the MB/s ratio is the inverse)."
  echo "Per-RUN overhead = (${STEPS}-RUN cold − 1-RUN cold − $((STEPS - 1))/$STEPS × shell) ÷ $((STEPS - 1)); the shell row runs each command as \`busybox sh -c\`, as a RUN step does."
  echo "One file changed: the re-run steps are the sum of the steps' \`done\` durations (--progress=json) in $RUNS more touched builds (median); the row below it is each of those builds' wall time minus its own steps, median (min)."
  echo "Export MB/s = $LAYER_MB MB ÷ the whole command's time (gantry: a cached build plus packing, compressing and writing the archive; SOURCE_DATE_EPOCH=0 so the layer is compressed every run); export alone = $LAYER_MB MB ÷ (that time − the same build with no output, $(cell gantry.export.none))."
  ((have_peers)) && echo "Peers: $peer_versions. buildah uses --isolation=chroot --layers (--jobs=2 for parallel stages); it is skipped where one build takes seconds (per-RUN, 20,000-file context). Peak RSS is not comparable for dockerd (a daemon)."
  local n
  for n in "${notes[@]}"; do echo "Note: $n"; done
  want pull && print_pull_table
  want daemon && print_daemon_table
  return 0
}

# The same `docker build` (client $DOCKER_CLIENT) through gantry daemon and through dockerd.
print_daemon_table() {
  local k label g
  echo
  echo "| docker build of the chain sample | via gantry daemon | via dockerd, classic builder | gantry/classic | via dockerd, BuildKit | gantry/BuildKit |"
  echo "|---|---|---|---|---|---|"
  for k in warm cold; do
    label="warm no-op"; [[ $k == cold ]] && label="cold (6 RUNs run)"
    g=$(val "gantry-daemon.chain.$k" median)
    echo "| $label | $(cell "gantry-daemon.chain.$k") | $(cell "docker-classic.dchain.$k") | $(ratio "$g" "$(val "docker-classic.dchain.$k" median)") | $(cell "docker-bk.dchain.$k") | $(ratio "$g" "$(val "docker-bk.dchain.$k" median)") |"
  done
  echo
  echo "The docker CLI ($DOCKER_CLIENT, \`build -q --network=none\`) against each daemon's socket; DOCKER_BUILDKIT=0 for gantry daemon (its API is the classic builder's) and dockerd's classic builder, 1 for BuildKit. Cells and cold as above (gantry: \`gantry rmi\` and \`prune\` on the daemon's store; dockerd: the peers' clean-up)."
}

# ---- main ----------------------------------------------------------------------------------
log "gantry $gantry, state root $GANTRY_ROOT, RUNS=$RUNS, load average $(cut -d' ' -f1-3 /proc/loadavg)"
mkdir -p "$BENCH_DATA"
make_base
make_contexts
{ want bigctx || want rss; } && make_bigcontext
want big100k && make_big100k
want export && make_layer
run_gantry
want big100k && run_gantry_big100k
want scale && run_gantry_scale
want projects && run_gantry_projects
want pull && run_pull
have_peers=0
peer_versions=""
if start_peers; then
  have_peers=1
  run_peers
  want big100k && [[ " $PEER_TOOLS " == *" docker-bk "* ]] && run_peer_big100k docker-bk
  want projects && run_peer_projects
fi
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
print_table
echo "Machine: $(nproc) cores, $(uname -r); load average at the end: $load_end."

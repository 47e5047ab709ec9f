#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang (every library instrumented, under ASan and
# UBSan: cmake/instrumentation.cmake) and runs them one after another at the lowest priority:
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]      (default: 600 s for each target, every target)
#
# Corpora grow outside the repository, in $FUZZ_DIR/corpus/<target> (default
# /var/tmp/gantry-fuzz), kept between runs. Each run also starts from seeds this script makes
# from the repository: testdata's Dockerfiles and .dockerignores, the BuildKit conformance data
# in ../shared/conformance, fuzz/seeds/ (fuzz/seeds/dockerfile/: the newer COPY/ADD flags and
# directives), and small tar layers it writes with python3's tarfile.
# A crash leaves its input in $FUZZ_DIR/crashes/<target>/. At the end one line per target gives
# the seconds run, the inputs executed, the edges covered and the crashes of this run; the script
# fails when any target crashed.
#
# Environment: BUILD_DIR (default build-fuzz), JOBS (default 2), FUZZ_DIR.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
seconds=${1:-600}
[[ $seconds =~ ^[0-9]+$ ]] || { echo "fuzz.sh: SECONDS must be a number, not $seconds" >&2; exit 2; }
shift $(($# > 0 ? 1 : 0))
all_targets=(dockerfile_fuzz shell_lexer_fuzz dockerignore_fuzz layer_unpack_fuzz image_manifest_fuzz)
targets=("$@")
((${#targets[@]})) || targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
  [[ " ${all_targets[*]} " == *" $t "* ]] || { echo "fuzz.sh: unknown target $t (${all_targets[*]})" >&2; exit 2; }
done
build=${BUILD_DIR:-$repo/build-fuzz}
fuzz_dir=${FUZZ_DIR:-/var/tmp/gantry-fuzz}
conformance=$repo/../shared/conformance
log() { echo "fuzz: $*" >&2; }

log "building ${targets[*]} in $build"
CC=clang CXX=clang++ cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER_LAUNCHER="$(command -v ccache || true)" -DGANTRY_FUZZ=ON >/dev/null
nice -n 19 cmake --build "$build" -j"${JOBS:-2}" --target "${targets[@]}"

# ---- seeds (made afresh each run, small) --------------------------------------------------
seeds=$fuzz_dir/seeds
rm -rf "$seeds"
mkdir -p "$seeds"/{dockerfile_fuzz,shell_lexer_fuzz,dockerignore_fuzz,layer_unpack_fuzz,image_manifest_fuzz}
n=0
for f in "$repo"/testdata/*/Dockerfile "$repo"/fuzz/seeds/dockerfile/* "$conformance"/buildkit-parser/testfiles*/*/Dockerfile; do
  [[ -f $f ]] && cp "$f" "$seeds/dockerfile_fuzz/$((n++))"
done
for f in "$repo"/testdata/*/.dockerignore "$repo"/fuzz/seeds/dockerignore/*; do
  [[ -f $f ]] && cp "$f" "$seeds/dockerignore_fuzz/$((n++))"
done
cp "$repo"/fuzz/seeds/image_manifest/* "$seeds/image_manifest_fuzz/"
# The lexer's input is a flags byte (escape char, raw quotes/escapes, ...) and then the word;
# "value\0pattern" also goes through the shell patterns directly.
python3 - "$conformance/buildkit-shell" "$seeds/shell_lexer_fuzz" <<'EOF'
import os, sys
src, out = sys.argv[1], sys.argv[2]
words = []
for name in ("envVarTest", "wordsTest"):
    path = os.path.join(src, name)
    if not os.path.exists(path):
        continue
    for line in open(path, encoding="utf-8"):
        if line.startswith("#") or "|" not in line:
            continue
        fields = line.rstrip("\n").split("|")
        words.append(fields[1].strip() if name == "envVarTest" else fields[0].strip())
words += ["${LONG//*b/c}", "${U%%w*}", "${LIST#?}", "${PWD/#\\/h/H}", "$(echo)${a:-${b:+${c?}}}"]
for i, w in enumerate(words):
    with open(os.path.join(out, str(i)), "wb") as f:
        f.write(bytes([i % 32]) + w.encode())
for i, (value, pattern) in enumerate([("aXbXc", "*X"), ("abab", "?b*"), ("foo.tar.gz", "*.")]):
    with open(os.path.join(out, "p%d" % i), "wb") as f:
        f.write(value.encode() + b"\0" + pattern.encode())
EOF
# Layers: one of each entry kind, whiteouts, an opaque dir, pax xattrs, a long name; gzip and
# zstd forms of it; and the unsafe members the extractor must refuse.
python3 - "$seeds/layer_unpack_fuzz" <<'EOF'
import gzip, io, os, sys, tarfile
out = sys.argv[1]
def tar(members, fmt=tarfile.PAX_FORMAT):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as t:
        for name, kind, extra in members:
            info = tarfile.TarInfo(name)
            info.mtime, info.uid, info.gid = 1000000000, 1000, 1000
            data = b""
            if kind == "file":
                data = extra or b"hello\n"
                info.size = len(data)
            elif kind == "dir":
                info.type, info.mode = tarfile.DIRTYPE, 0o755
            elif kind == "sym":
                info.type, info.linkname = tarfile.SYMTYPE, extra
            elif kind == "hard":
                info.type, info.linkname = tarfile.LNKTYPE, extra
            elif kind == "fifo":
                info.type = tarfile.FIFOTYPE
            elif kind == "chr":
                info.type, info.devmajor, info.devminor = tarfile.CHRTYPE, 1, 3
            elif kind == "xattr":
                info.size = 3
                data = b"xa\n"
                info.pax_headers = {"SCHILY.xattr.user.note": "v", "SCHILY.xattr.security.capability": "\x01"}
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()
good = tar([("etc/", "dir", None), ("etc/passwd", "file", b"root:x:0:0::/root:/bin/sh\n"),
            ("bin/", "dir", None), ("bin/sh", "sym", "busybox"), ("bin/busybox", "file", b"\x7fELF"),
            ("bin/ls", "hard", "bin/busybox"), ("tmp/fifo", "fifo", None), ("dev/null", "chr", None),
            ("etc/.wh.shadow", "file", b""), ("var/.wh..wh..opq", "file", b""), ("x/note", "xattr", None),
            ("d/" + "n" * 150, "file", None)])
layers = {
    "plain": good,
    "gnu": tar([("a", "file", None), ("b/" + "l" * 120, "file", None)], tarfile.GNU_FORMAT),
    "gzip": gzip.compress(good, mtime=0),
    "dotdot": tar([("../escape", "file", None)]),
    "absolute": tar([("/etc/escape", "file", None)]),
    "symlink-out": tar([("link", "sym", "/"), ("link/etc/escape", "file", None)]),
    "hardlink-out": tar([("h", "hard", "../../etc/passwd")]),
    "dir-over-link": tar([("d", "sym", ".."), ("d/", "dir", None), ("d/x", "file", None)]),
}
try:
    import subprocess
    layers["zstd"] = subprocess.run(["zstd", "-q", "-c"], input=good, capture_output=True, check=True).stdout
except Exception:
    pass
for name, data in layers.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
EOF

# ---- runs -------------------------------------------------------------------------------------
max_len() { case $1 in layer_unpack_fuzz) echo 65536 ;; dockerfile_fuzz) echo 16384 ;; *) echo 4096 ;; esac; }
summary=()
crashed=0
for t in "${targets[@]}"; do
  corpus=$fuzz_dir/corpus/$t
  crashes=$fuzz_dir/crashes/$t
  mkdir -p "$corpus" "$crashes"
  out=$fuzz_dir/$t.log
  log "$t: $seconds s (corpus $corpus, log $out)"
  touch "$fuzz_dir/.started-$t"
  rc=0
  nice -n 19 "$build/fuzz/$t" -max_total_time="$seconds" -print_final_stats=1 -timeout=30 \
    -rss_limit_mb=2048 -max_len="$(max_len "$t")" -artifact_prefix="$crashes/" \
    "$corpus" "$seeds/$t" >"$out" 2>&1 || rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out" | tail -1)
  edges=$(grep -o 'cov: [0-9]*' "$out" | tail -1 | cut -d' ' -f2 || true)
  found=$(find "$crashes" -type f -newer "$fuzz_dir/.started-$t" | wc -l)
  ((rc == 0 && found == 0)) || crashed=1
  summary+=("$(printf '%-20s %6s s %10s runs %6s edges %3s crashes (exit %s)' "$t" "$seconds" "${runs:-?}" "${edges:-?}" "$found" "$rc")")
done
printf '%s\n' "${summary[@]}"
exit "$crashed"

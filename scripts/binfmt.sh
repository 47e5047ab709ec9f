#!/usr/bin/env bash
# Lets this host run programs of other architectures: registers Debian's qemu-user-static
# interpreters with binfmt_misc, mounting binfmt_misc first when it is not.
#
#   binfmt.sh [ARCH...]   register qemu-ARCH for each ARCH (default: aarch64 arm riscv64 ppc64le s390x)
#
# Each handler is registered with the F (fix-binary) flag: the kernel opens the interpreter once,
# at registration, so that a RUN step of another platform finds it even inside gantry's sandbox,
# whose root (after pivot_root) has no /usr/libexec/qemu-binfmt. Idempotent: a handler already
# registered with F is left as it is; one registered without F is removed and registered again.
# The registration lines are the package's own (/usr/lib/binfmt.d/qemu-ARCH.conf). Needs root.
set -euo pipefail

binfmt=/proc/sys/fs/binfmt_misc
archs=("$@")
((${#archs[@]})) || archs=(aarch64 arm riscv64 ppc64le s390x)

if [[ ! -e $binfmt/register ]]; then
  mount -t binfmt_misc binfmt_misc "$binfmt" ||
    { echo "binfmt.sh: cannot mount binfmt_misc on $binfmt (root is needed)" >&2; exit 1; }
fi

for arch in "${archs[@]}"; do
  conf=/usr/lib/binfmt.d/qemu-$arch.conf
  [[ -r $conf ]] || { echo "binfmt.sh: $conf is missing (apt-get install qemu-user-static)" >&2; exit 1; }
  line=$(grep -m1 '^:' "$conf") || { echo "binfmt.sh: $conf has no registration line" >&2; exit 1; }
  # :name:type:offset:magic:mask:interpreter:flags (the magic and mask are \x-escaped: no colons)
  IFS=: read -r _ name _ _ _ _ interpreter flags <<<"$line"
  [[ -x $interpreter ]] || { echo "binfmt.sh: $conf names $interpreter, which is missing" >&2; exit 1; }
  entry=$binfmt/$name
  if [[ -e $entry ]]; then
    if grep -q '^flags:.*F' "$entry"; then
      grep -qx enabled "$entry" || echo 1 >"$entry"
      continue
    fi
    echo -1 >"$entry"  # registered without F: useless inside a sandbox, so registered anew
  fi
  [[ $flags == *F* ]] || { flags+=F; line+=F; }
  printf '%s' "$line" >"$binfmt/register" ||
    { echo "binfmt.sh: the kernel refused the handler of $conf" >&2; exit 1; }
  echo "binfmt.sh: registered $name ($interpreter, flags $flags)" >&2
done

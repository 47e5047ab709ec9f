#!/usr/bin/env bash
# Installs every Debian package that building, testing and the demo need.
# Idempotent: when everything is already installed it runs no apt command at all.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build pkg-config make ccache clang libclang-rt-14-dev
  # RUN's default network: a private namespace whose outbound traffic slirp4netns carries
  slirp4netns
  # rootless builds: newuidmap/newgidmap map a user's subordinate ids; fuse-overlayfs where overlayfs is refused
  uidmap fuse-overlayfs
  # libraries gantry links
  libarchive-dev libssl-dev libtbb-dev libyaml-cpp-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev nlohmann-json3-dev libcli11-dev libzstd-dev
  libseccomp-dev libsqlite3-dev libcurl4-openssl-dev zlib1g-dev
  # gantry daemon's HTTP server
  libcpp-httplib-dev
  # the demo's base image and the tools the tests check our output with
  busybox-static skopeo umoci podman runc jq tar gzip zstd pigz file
  docker-registry debootstrap iproute2 tmux hyperfine python3
  # Git sources (ADD <git url>, a Git build context) are fetched with git
  git
  # --ssh ID=KEY: the agent a build starts for its keys (ssh-agent, ssh-add); the tests make keys with ssh-keygen
  openssh-client
  # the token server of the local test registry (shared/tools/registry.sh --token)
  python3-jwt python3-cryptography
  # RUN steps of other platforms (--platform linux/arm64): QEMU user-mode emulators, which scripts/binfmt.sh registers
  qemu-user-static
  # docker itself, for the side-by-side test, which starts a dockerd of its own
  # (scripts/test-dockerd.sh); where systemd runs, the package also starts the system dockerd
  docker.io
  # the gantry daemon's end-to-end tests build a compose.yaml through it with docker-compose
  docker-compose
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
((${#missing[@]})) || exit 0

echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2

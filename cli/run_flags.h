// docker run's flags for the container itself, besides those gantry run shares with build
// (cli/limit_flags.h, cli/sandbox_flags.h): -i, -t, --entrypoint, --env-file, --mount, --tmpfs,
// --read-only, --privileged, --cap-add, --cap-drop, -h, --init. --name and -d are refused with
// one line: gantry has no daemon and keeps no containers.
#pragma once

#include <CLI/CLI.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "cli/sandbox_flags.h"
#include "engine/container_spec.h"

namespace gantry::cli {

struct ContainerFlags {
  bool interactive = false;
  bool tty = false;
  std::optional<std::string> entrypoint;  // "" clears the image's
  std::vector<std::string> env_files;
  std::vector<std::string> mounts;  // --mount's comma-separated KEY=VALUE lists
  std::vector<std::string> tmpfs;   // PATH[:OPTIONS]
  bool read_only = false;
  bool privileged = false;
  std::vector<std::string> cap_add, cap_drop;
  std::string hostname;
  bool init = false;
  SandboxFlags sandbox;
  std::optional<std::string> name;  // refused
  bool detach = false;  // refused
};

void add_container_flags(CLI::App& command, ContainerFlags& flags);

// Everything but -t's terminal (the caller relays it) into `request`; without -t, the container
// gets gantry's stdout and stderr, and with -i its stdin. Throws UsageError naming the flag and
// its value when one is wrong, or when --name or -d is given.
void apply_container_flags(const ContainerFlags& flags, engine::ContainerRequest& request);

// `-e KEY` and a KEY line of an env file take the host's value; nothing when it has none.
std::optional<std::string> env_entry(const std::string& entry);

// docker's env file: KEY=VALUE lines (the value as it is, spaces and quotes kept), KEY lines
// (the host's value, or nothing), blank lines and # comments. Throws UsageError naming the file
// and line when a key is empty or holds a space, Error when it cannot be read.
std::vector<std::string> read_env_file(const std::filesystem::path& file);

// --mount type=bind|tmpfs,... with docker's keys. Throws UsageError naming the value and key.
executor::MountSpec parse_mount(const std::string& value);

// --tmpfs PATH[:OPTIONS]: docker's defaults (noexec, nosuid, nodev; mode 1777) and mount
// options. Throws UsageError naming the value and the option.
executor::TmpfsMount parse_tmpfs(const std::string& value);

}  // namespace gantry::cli

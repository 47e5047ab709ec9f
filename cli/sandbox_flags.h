// docker build's (and docker run's) flags for the sandbox every RUN step (or gantry run's
// container) runs in, besides its limits (cli/limit_flags.h): --add-host, --shm-size, --ulimit.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "executor/executor.h"

namespace gantry::cli {

struct SandboxFlags {
  std::vector<std::string> add_hosts;  // HOST:IP or HOST=IP
  std::string shm_size;                // "" = the default
  std::vector<std::string> ulimits;    // NAME=SOFT[:HARD]
};

// `whose` says what the flags apply to in their help: "each RUN step's", "the container's".
void add_sandbox_flags(CLI::App& command, SandboxFlags& flags, const std::string& whose = "each RUN step's");

// --add-host's values as /etc/hosts entries. Throws UsageError naming the value that is not
// HOST:IP, HOST=IP or HOST:host-gateway.
std::vector<executor::HostEntry> parse_extra_hosts(const std::vector<std::string>& values);

// --shm-size in bytes (docker's sizes: 64m, 1g, 65536k, 1048576); throws UsageError naming the
// value when it is not a size above 0.
std::int64_t parse_shm_size(const std::string& value);

// --ulimit NAME=SOFT[:HARD] (HARD = SOFT when omitted; -1: unlimited), docker's names. Throws
// UsageError naming the value when the name is unknown, a limit not a number, or SOFT > HARD.
std::vector<executor::Ulimit> parse_ulimits(const std::vector<std::string>& values);

}  // namespace gantry::cli

// docker build's and docker run's --security-opt for every RUN step (or the container):
// seccomp=unconfined, seccomp=FILE (Docker's JSON profile), no-new-privileges[=true|false].
// AppArmor and SELinux options are refused, naming them, except the ones that ask for what a
// host without them gives anyway (apparmor=unconfined, label=disable).
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "executor/capabilities.h"
#include "executor/executor.h"

namespace gantry::cli {

struct SecurityFlags {
  std::vector<std::string> options;  // KEY=VALUE (or docker's older KEY:VALUE), or a bare KEY
};

void add_security_flags(CLI::App& command, SecurityFlags& flags);

// Reads and checks a seccomp profile file (compiling it for a run with `capabilities`, a mask as
// Credentials::capabilities). Throws UsageError naming the option and what is wrong with it.
executor::SecurityOptions parse_security_options(
    const SecurityFlags& flags, std::uint64_t capabilities = executor::kDefaultCapabilities);

}  // namespace gantry::cli

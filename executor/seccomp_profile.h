// A seccomp profile in Docker's JSON format (docker run --security-opt seccomp=FILE), compiled
// with libseccomp as runc compiles it: defaultAction (with defaultErrnoRet), architectures (or
// archMap's entry for this machine), and syscalls rules of names, action (with errnoRet) and
// argument conditions ({index, value, valueTwo, op}). A rule's includes/excludes (caps, arches,
// minKernel) are weighed against the run's capabilities on this machine.
// Syscall names this libseccomp does not know are skipped, as runc skips them; what gantry
// cannot honour (flags, listenerPath, SCMP_ACT_NOTIFY) is an error, not ignored.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "executor/seccomp_filter.h"

namespace gantry::executor {

// For a run with `capabilities` (a mask, as Credentials::capabilities). Throws Error naming
// `name` (the profile's file) and what in it is wrong.
SeccompFilter compile_docker_profile(std::string_view json, const std::string& name,
                                     std::uint64_t capabilities);

}  // namespace gantry::executor

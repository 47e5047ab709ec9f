// `--allow ENTITLEMENT` of build and bake, as docker buildx takes it: repeatable, and each value
// a comma-separated list (`--allow network.host,security.insecure`).
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "solver/entitlements.h"

namespace gantry::cli {

void add_allow_flag(CLI::App& command, std::vector<std::string>& names);

// Throws UsageError naming an unknown entitlement and listing the known ones.
solver::Entitlements parse_allow(const std::vector<std::string>& names);

}  // namespace gantry::cli

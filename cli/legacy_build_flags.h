// docker build's flags that only ever meant something to the classic (pre-BuildKit) builder:
// --rm, --force-rm, --compress, --disable-content-trust, --isolation and --squash. docker's CI
// scripts still pass them; under BuildKit they change nothing, and so under gantry, whose
// steps leave no intermediate containers, send no context over a socket and verify no content
// trust signatures.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace gantry::cli {

// Only the flags gantry acts on; --rm, --force-rm, --compress and --disable-content-trust are
// accepted (as booleans: --rm=false too) and kept nowhere.
struct LegacyBuildFlags {
  std::string isolation = "default";
  bool squash = false;
};

void add_legacy_build_flags(CLI::App& command, LegacyBuildFlags& flags);

// Throws UsageError naming --isolation's value when it is not `default` (the only isolation a
// Linux host has); warns once on stderr that --squash is ignored, as buildx does.
void check_legacy_build_flags(const LegacyBuildFlags& flags);

}  // namespace gantry::cli

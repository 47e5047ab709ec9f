#include "cli/legacy_build_flags.h"

#include <iostream>

#include "base/error.h"

namespace gantry::cli {

namespace {

// CLI11 still checks a value given is a boolean ("--rm=false"); nothing is left to do then.
void no_effect() {}

}  // namespace

void add_legacy_build_flags(CLI::App& command, LegacyBuildFlags& flags) {
  command.add_flag_callback(
      "--rm", no_effect,
      "Remove intermediate containers (always done: a RUN leaves none; default true)");
  command.add_flag_callback(
      "--force-rm", no_effect,
      "Always remove intermediate containers (always done: a RUN leaves none)");
  command.add_flag_callback("--compress", no_effect,
                            "Compress the build context (no effect: the context is read in place)");
  command.add_flag_callback(
      "--disable-content-trust", no_effect,
      "Skip image verification (no effect: gantry verifies no signatures; default true)");
  command.add_option("--isolation", flags.isolation, "Container isolation technology: default only");
  command.add_flag("--squash", flags.squash, "Squash the new layers (ignored with a warning, as buildx does)");
}

void check_legacy_build_flags(const LegacyBuildFlags& flags) {
  if (flags.isolation != "default") {
    throw UsageError("invalid --isolation `" + flags.isolation + "`: only `default` is supported on Linux");
  }
  if (flags.squash) {
    std::cerr << "WARNING: --squash is ignored (BuildKit has no squash either): the image keeps one layer per "
                 "step; a multi-stage Dockerfile that copies the result into a last stage gives fewer layers\n";
  }
}

}  // namespace gantry::cli

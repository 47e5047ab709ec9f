#include "cli/legacy_build_flags.h"

#include <iostream>

#include "base/error.h"

namespace gantry::cli {

void add_legacy_build_flags(CLI::App& command, LegacyBuildFlags& flags) {
  command.add_flag("--rm", flags.rm,
                   "Remove intermediate containers (always done: a RUN leaves none; default true)");
  command.add_flag("--force-rm", flags.force_rm,
                   "Always remove intermediate containers (always done: a RUN leaves none)");
  command.add_flag("--compress", flags.compress,
                   "Compress the build context (no effect: the context is read in place)");
  command.add_flag("--disable-content-trust", flags.disable_content_trust,
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

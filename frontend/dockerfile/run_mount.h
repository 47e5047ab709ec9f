// RUN --mount=<spec> options ("type=cache,target=/root/.cache,sharing=locked"), parsed into
// what the lowering needs to build an llb::Mount.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "llb/llb.h"

namespace gantry::frontend {

struct RunMount {
  llb::MountType type = llb::MountType::Bind;
  std::string target;        // absolute path in the container
  std::string from;          // a stage name or index, or an image; bind: "" = context, cache: "" = nothing
  std::string source;        // path inside `from` (secret: its id)
  bool readonly = false;
  std::string id;            // cache id, secret id or ssh id
  llb::CacheSharing sharing = llb::CacheSharing::Shared;
  std::int64_t size = 0;     // tmpfs size in bytes
  bool required = false;
  std::optional<std::uint32_t> uid, gid, mode;
  std::string env;           // secret: expose as this environment variable
};

// Throws gantry::Error "<what is wrong> in '<spec>'"; the caller adds file:line.
RunMount parse_run_mount(std::string_view spec);

}  // namespace gantry::frontend

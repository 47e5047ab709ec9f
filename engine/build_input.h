// Where a build's Dockerfile and context come from, as `docker build` takes them:
//   PATH      a directory (the context), or a tarball (plain, gzip or zstd) whose content is the
//             context, or `-`: stdin holds a Dockerfile (a build without context) or a context
//             tarball (told apart by its bytes), or an http(s) URL (remote_context.h): a
//             context tarball (plain or compressed), or a Dockerfile (a build without context)
//   -f FILE   the Dockerfile (default PATH/Dockerfile; inside a tarball context, a path in it),
//             or `-`: stdin holds the Dockerfile
// A tarball or an empty context lives in a temp dir that the BuildInput owns.
#pragma once

#include <filesystem>
#include <istream>
#include <optional>
#include <string>

#include "base/file_util.h"

namespace gantry::engine {

struct BuildInput {
  std::filesystem::path context;  // a directory
  std::string dockerfile_name;    // the file name, for messages
  std::string dockerfile;         // its text
  std::optional<std::string> dockerignore;  // <Dockerfile>.dockerignore, else the context's
  std::string dockerignore_name = ".dockerignore";  // the file it came from, for messages
  std::string identity;  // the same for the same PATH and -f across runs (cache explanations)
  std::optional<TempDir> unpacked;  // owns `context` when it is not the user's directory
};

// Throws Error naming the path at fault; UsageError when both PATH and -f are `-`.
BuildInput resolve_build_input(const std::string& path, const std::string& file, std::istream& in);

}  // namespace gantry::engine

// The merged view of a chain of overlay-form layer dirs, as overlayfs would show it, walked
// depth first with each directory's children sorted by name.
#pragma once

#include <sys/stat.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace gantry::exporter {

// `visit(rel, source, st)` gets each visible entry: `rel` is its path in the merged tree ("a/b"),
// `source` the file in the topmost layer that has it and `st` that file's lstat. Whiteouts and
// the entries they or an opaque dir hide are never visited.
using MergedVisitor =
    std::function<void(const std::string& rel, const std::filesystem::path& source, const struct stat& st)>;
void walk_merged(const std::vector<std::filesystem::path>& layers_top_first, const MergedVisitor& visit);

}  // namespace gantry::exporter

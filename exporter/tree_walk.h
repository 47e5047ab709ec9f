// Directory listing for deterministic walks (readdir order depends on the file system).
#pragma once

#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

namespace gantry::exporter {

// The names in `dir` (without . and ..), sorted bytewise. Throws Error naming `dir`.
std::vector<std::string> sorted_names(const std::filesystem::path& dir);
// lstat, throwing Error naming `path`.
struct stat lstat_path(const std::filesystem::path& path);

}  // namespace gantry::exporter

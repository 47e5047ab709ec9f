#include "tests/e2e/registry_helpers.h"

#include "base/file_util.h"

namespace gantry::e2e {

namespace fs = std::filesystem;

std::string error_line(const Outcome& o) {
  auto pos = o.err.rfind("gantry: ");
  return pos == std::string::npos ? o.err : o.err.substr(pos, o.err.find('\n', pos) - pos);
}

std::string digest_of(const std::string& pinned) {
  auto at = pinned.rfind('@');
  return at == std::string::npos ? "" : pinned.substr(at + 1, 71);
}

fs::path write_context(const fs::path& dir, const std::string& dockerfile) {
  fs::create_directories(dir);
  write_file_atomic(dir / "Dockerfile", dockerfile);
  return dir;
}

std::map<std::string, std::string> mirror_config(const fs::path& file, const std::string& registry,
                                                 const std::vector<std::string>& mirrors) {
  std::string list;
  for (const auto& m : mirrors) list += (list.empty() ? "" : ", ") + ("\"" + m + "\"");
  write_file_atomic(file, "registry:\n  mirrors:\n    \"" + registry + "\": [" + list + "]\n");
  return {{"GANTRY_CONFIG_FILE", file.string()}};
}

}  // namespace gantry::e2e

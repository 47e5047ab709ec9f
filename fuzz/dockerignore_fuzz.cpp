// Any bytes as a .dockerignore, up to the first empty line; the lines after it are paths to
// match. Reading may throw gantry::Error (a line that is not text); matching must not throw or
// crash, and must give the same answer for a path however it is spelled ("a/b", "./a/b", "/a/b").
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "frontend/dockerfile/dockerignore.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace gantry::frontend;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::size_t split = input.find("\n\n");
  std::string_view content = input.substr(0, split);
  std::vector<std::string> patterns;
  try {
    patterns = read_dockerignore(content);
  } catch (const gantry::Error&) {
    return 0;
  }
  DockerignoreMatcher matcher(patterns);
  std::string_view paths = split == std::string_view::npos ? std::string_view() : input.substr(split + 2);
  std::vector<std::string_view> to_match = {"a", "a/b", "a/b/c.log", "build/keep.txt", "x/.git/config"};
  for (std::size_t pos = 0; pos < paths.size();) {
    std::size_t nl = paths.find('\n', pos);
    if (nl == std::string_view::npos) nl = paths.size();
    to_match.push_back(paths.substr(pos, nl - pos));
    pos = nl + 1;
  }
  for (std::string_view path : to_match) {
    bool excluded = matcher.excluded(path);
    // Only paths below the root: the root itself is never matched, and a path that leaves it is
    // never a context path ("/.." is the root again).
    const std::string cleaned = clean_path(path);
    bool below_root = !path.empty() && path[0] != '/' && !path.starts_with("./") && cleaned != "." &&
                      !cleaned.starts_with("..");
    if (below_root && (matcher.excluded("./" + std::string(path)) != excluded ||
                       matcher.excluded("/" + std::string(path)) != excluded))
      std::abort();
  }
  return 0;
}

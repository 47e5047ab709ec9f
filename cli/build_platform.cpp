#include "cli/build_platform.h"

#include <algorithm>

#include "base/error.h"

namespace gantry::cli {

std::vector<Platform> parse_build_platforms(const std::string& platforms) {
  std::vector<Platform> out;
  if (platforms.empty()) return out;
  for (std::size_t pos = 0;;) {
    const std::size_t comma = platforms.find(',', pos);
    const std::string text = platforms.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    if (text.empty()) throw UsageError("--platform `" + platforms + "`: an empty platform in the list");
    Platform p;
    try {
      p = Platform::parse(text);
    } catch (const UsageError& e) {
      throw UsageError(std::string("--platform: ") + e.what());
    }
    if (std::find(out.begin(), out.end(), p) != out.end())
      throw UsageError("--platform `" + platforms + "`: " + p.str() + " is given twice");
    out.push_back(std::move(p));
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return out;
}

}  // namespace gantry::cli

#include "cli/build_platform.h"

#include "base/error.h"

namespace gantry::cli {

void check_build_platform(const std::string& platforms) {
  std::size_t pos = 0;
  while (pos < platforms.size()) {
    auto comma = platforms.find(',', pos);
    std::string p = platforms.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    pos = comma == std::string::npos ? platforms.size() : comma + 1;
    if (p == "linux/amd64" || p == "linux/x86_64" || (p.starts_with("linux/amd64/v") && p.size() == 14 &&
                                                      p[13] >= '1' && p[13] <= '4'))
      continue;
    throw UsageError("--platform `" + p + "` is not supported: gantry runs build steps natively and " +
                     "builds for linux/amd64 only");
  }
}

}  // namespace gantry::cli

#include "engine/build_metadata.h"

#include <nlohmann/json.hpp>

#include "base/file_util.h"

namespace gantry::engine {

void write_build_metadata(const std::filesystem::path& file, const Digest& manifest, const Digest& config,
                          const std::vector<std::string>& names) {
  nlohmann::json out{{"containerimage.digest", manifest.str()}, {"containerimage.config.digest", config.str()}};
  std::string joined;
  for (const auto& n : names) joined += (joined.empty() ? "" : ",") + n;
  if (!joined.empty()) out["image.name"] = joined;
  write_file_atomic(file, out.dump(2) + "\n");
}

}  // namespace gantry::engine

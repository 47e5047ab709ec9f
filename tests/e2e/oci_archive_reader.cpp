#include "tests/e2e/oci_archive_reader.h"

#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "base/file_util.h"
#include "tests/e2e/gantry_runner.h"

namespace gantry::e2e {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string checked(const std::vector<std::string>& argv) {
  Outcome o = run_command(argv);
  if (o.exit_code != 0) throw std::runtime_error(argv[0] + " failed: " + o.err + o.out);
  return o.out;
}

fs::path blob(const fs::path& layout, const std::string& digest) {
  return layout / "blobs" / "sha256" / digest.substr(digest.find(':') + 1);
}

}  // namespace

UnpackedImage unpack_oci_archive(const fs::path& archive, const fs::path& work) {
  const fs::path layout = work / "layout", bundle = work / "bundle";
  fs::create_directories(layout);
  checked({"tar", "-xf", archive.string(), "-C", layout.string()});

  const json index = json::parse(read_file(layout / "index.json"));
  const json& entry = index.at("manifests").at(0);
  const std::string tag = entry.at("annotations").at("org.opencontainers.image.ref.name");
  checked({"umoci", "unpack", "--image", layout.string() + ":" + tag, bundle.string()});

  UnpackedImage image{.rootfs = bundle / "rootfs", .layers = {}};
  const json manifest = json::parse(read_file(blob(layout, entry.at("digest"))));
  for (const json& layer : manifest.at("layers")) {
    // GNU tar recognises gzip and zstd by their magic bytes
    std::istringstream names(checked({"tar", "-tf", blob(layout, layer.at("digest")).string()}));
    auto& entries = image.layers.emplace_back();
    for (std::string name; std::getline(names, name);) {
      if (name.starts_with("./")) name.erase(0, 2);
      if (name.size() > 1 && name.ends_with('/')) name.pop_back();
      entries.push_back(name);
    }
  }
  return image;
}

}  // namespace gantry::e2e

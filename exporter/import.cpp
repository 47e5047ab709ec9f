#include "exporter/import.h"

#include "base/error.h"
#include "exporter/layer.h"
#include "exporter/libarchive_handle.h"
#include "exporter/tar_extractor.h"

namespace gantry::exporter {

ImageRecord import_rootfs(const std::filesystem::path& tarball, const std::filesystem::path& unpack_dir,
                          const cache::ContentStore& store, std::int64_t created, const nlohmann::json& config,
                          const std::string& comment, const std::optional<Platform>& platform) {
  const std::string label = "rootfs tarball `" + tarball.string() + "`";
  // Unpacking and repacking is what normalises the tarball: any order, names, owners by name
  // or extra headers in it are gone, and the layer is gantry's deterministic form.
  ArchiveReader reader = open_tar_reader(tarball, label);
  extract_tar(reader.get(), unpack_dir, label);
  const LayerBlob layer = pack_layer(unpack_dir, store, {.clamp_mtime = created});
  nlohmann::json image = {{"config", config},
                          {"history", {{{"created_by", "gantry import"}, {"comment", comment}}}}};
  if (platform) {
    image["os"] = platform->os;
    image["architecture"] = platform->architecture;
    if (!platform->variant.empty()) image["variant"] = platform->variant;
  }
  return write_image(store, std::move(image), {layer}, created);
}

}  // namespace gantry::exporter

// docker-archive, the `docker save` format that docker load, podman load and skopeo read:
// manifest.json [{"Config": "<hex>.json", "RepoTags": [...], "Layers": ["<diff_id hex>.tar"]}],
// with the layers as plain tars.
#include <set>

#include "base/error.h"
#include "exporter/archive.h"
#include "exporter/blob_decompress.h"
#include "exporter/byte_sink.h"
#include "exporter/export_set.h"
#include "exporter/media_types.h"
#include "exporter/output_file.h"
#include "exporter/tar_writer.h"

namespace gantry::exporter {

namespace fs = std::filesystem;
using nlohmann::json;

void write_docker_archive(const cache::ContentStore& store, const TaggedManifests& tagged_manifests,
                          const OutputTarget& dest_tar, const fs::path& scratch_dir, const LayerDirs& layer_dirs) {
  const std::vector<ExportedImage> images = collect_export(store, tagged_manifests, layer_dirs);
  OutputFile out(dest_tar);
  FdSink sink(out.fd(), out.dest());
  TarWriter tar(sink);
  json manifest = json::array();
  std::set<std::string> written;
  for (const ExportedImage& image : images) {
    const json diff_ids = image.image.config_json.value("rootfs", json::object()).value("diff_ids", json::array());
    if (diff_ids.size() != image.layers.size())
      throw Error("image " + image.image.manifest.str() + ": " + std::to_string(image.layers.size()) +
                  " layers but " + std::to_string(diff_ids.size()) + " diff_ids in its config");
    const std::string config_name = image.image.config.hex() + ".json";
    if (written.insert(config_name).second) tar.add_file(config_name, store.path(image.image.config), 0);
    json layer_names = json::array();
    for (std::size_t i = 0; i < image.layers.size(); ++i) {
      const Digest diff_id = Digest::parse(diff_ids[i].get<std::string>());
      const std::string layer_name = diff_id.hex() + ".tar";
      layer_names.push_back(layer_name);
      if (!written.insert(layer_name).second) continue;
      if (const auto dir = layer_dirs.find(image.layers[i]); dir != layer_dirs.end() && !store.has(image.layers[i])) {
        if (image.layers[i] != diff_id)
          throw Error("image " + image.image.manifest.str() + ": layer " + image.layers[i].str() +
                      " is kept as a directory but is not its diff_id " + diff_id.str());
        add_layer_from_dir(tar, layer_name, dir->second, diff_id,
                         image.image.manifest_json["layers"][i].value("size", std::int64_t{-1}));
        continue;
      }
      const fs::path blob = store.path(image.layers[i]);
      if (image.layers[i] == diff_id) {  // already a plain tar
        tar.add_file(layer_name, blob, 0);
        continue;
      }
      // Expanded first: a tar header needs the size before the data.
      const fs::path plain = scratch_dir / layer_name;
      if (const Digest got = decompress_blob(blob, plain); got != diff_id)
        throw Error("layer " + image.layers[i].str() + ": uncompressed content is " + got.str() +
                    ", not its diff_id " + diff_id.str());
      tar.add_file(layer_name, plain, 0);
      fs::remove(plain);
    }
    manifest.push_back({{"Config", config_name}, {"RepoTags", image.names}, {"Layers", layer_names}});
  }
  tar.add_bytes("manifest.json", manifest.dump(), 0);
  tar.finish();
  out.commit();
}

}  // namespace gantry::exporter

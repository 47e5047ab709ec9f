#include "exporter/export_set.h"

#include <algorithm>

#include "base/error.h"
#include "base/image_ref.h"
#include "exporter/layer.h"
#include "exporter/media_types.h"

namespace gantry::exporter {

std::vector<ExportedImage> collect_export(const cache::ContentStore& store,
                                          const TaggedManifests& tagged_manifests,
                                          const LayerDirs& layer_dirs) {
  std::vector<ExportedImage> images;
  for (const auto& [name, manifest] : tagged_manifests) {
    ImageView view = read_image(store, manifest);
    auto it = std::find_if(images.begin(), images.end(),
                           [&](const ExportedImage& e) { return e.image.manifest == view.manifest; });
    if (it == images.end()) {
      ExportedImage image{.image = std::move(view)};
      image.manifest_media_type =
          image.image.manifest_json.value("mediaType", std::string(media_types::kOciManifest));
      for (const auto& layer : image.image.manifest_json["layers"]) {
        image.layers.push_back(Digest::parse(layer.value("digest", "")));
        if (!store.has(image.layers.back()) && !layer_dirs.contains(image.layers.back()))
          throw Error("image " + manifest.str() + ": layer " + image.layers.back().str() +
                      " is not in the content store");
      }
      images.push_back(std::move(image));
      it = images.end() - 1;
    }
    if (!name.empty()) it->names.push_back(ImageRef::parse(name).familiar());
  }
  return images;
}

void add_layer_from_dir(TarWriter& tar, const std::string& name, const std::filesystem::path& dir,
                        const Digest& diff_id, std::int64_t size) {
  if (size < 0) throw Error("layer " + diff_id.str() + ": its manifest gives no size");
  cache::UncompressedLayer packed;
  tar.add_stream(name, size, 0, [&](ByteSink& entry) { packed = write_layer_tar(dir, entry); });
  if (packed.diff_id != diff_id)
    throw Error("layer `" + dir.string() + "` packs to " + packed.diff_id.str() + ", not to " + diff_id.str() +
                " as when it was hashed: its files were changed on disk");
}

}  // namespace gantry::exporter

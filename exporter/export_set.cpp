#include "exporter/export_set.h"

#include <algorithm>

#include "base/error.h"
#include "base/image_ref.h"
#include "exporter/media_types.h"

namespace gantry::exporter {

std::vector<ExportedImage> collect_export(const cache::ContentStore& store,
                                          const TaggedManifests& tagged_manifests) {
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
        if (!store.has(image.layers.back()))
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

}  // namespace gantry::exporter

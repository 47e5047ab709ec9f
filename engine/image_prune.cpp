#include "engine/image_prune.h"

#include <set>

#include "cache/garbage_collector.h"
#include "exporter/image.h"

namespace gantry::engine {

ImagePruneReport prune_images(cache::Store& store, bool all) {
  ImagePruneReport report;
  std::set<Digest> removed;
  if (all)
    for (const auto& e : store.images().list())
      if (auto names = store.images().remove(e.name); !names.empty()) {
        report.untagged.insert(report.untagged.end(), names.begin(), names.end());
        removed.insert(e.manifest);
      }
  for (const auto& e : store.images().untagged())
    if (store.images().forget_untagged(e.manifest)) removed.insert(e.manifest);
  // Ids are read before the collector removes the config blobs.
  for (const auto& manifest : removed)
    report.deleted.push_back(exporter::read_image(store.content(), manifest).config.str());
  report.reclaimed_bytes = cache::collect_unused_blobs(store).bytes;
  return report;
}

}  // namespace gantry::engine

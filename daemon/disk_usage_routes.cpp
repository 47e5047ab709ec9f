// What the store holds and trimming it: GET /system/df (as `gantry du` measures it, in docker's
// shape) and POST /build/prune (as `gantry prune`).
//
// /system/df's LayersSize and each image's Size and SharedSize are the content sizes of the
// images' layers, each layer counted once however many images share it, as dockerd's layer store
// counts them. gantry has no containers or volumes. BuildCache lists the build cache's snapshots
// (cache::build_cache_entries) as BuildKit's records; BuilderSize, what is not shared with an
// image, is `gantry du`'s build cache.
#include <map>
#include <nlohmann/json.hpp>

#include "cache/garbage_collector.h"
#include "cache/store.h"
#include "daemon/api_router.h"
#include "daemon/build_prune_params.h"
#include "daemon/image_summaries.h"
#include "daemon/route_params.h"
#include "engine/image_filter.h"
#include "engine/local_images.h"
#include "exporter/image.h"

namespace gantry::daemon {

using nlohmann::json;

namespace {

// The layers (diff_id, content size) of every image, by image id.
std::map<std::string, std::vector<std::pair<std::string, std::int64_t>>> image_layers(
    const std::vector<engine::ListedImage>& listed, const LayerSizes& sizes) {
  std::map<std::string, std::vector<std::pair<std::string, std::int64_t>>> layers;
  for (const auto& image : listed) {
    auto [it, added] = layers.try_emplace(image.view.config.str());
    if (!added) continue;
    const json diff_ids =
        image.view.config_json.value("rootfs", json::object()).value("diff_ids", json::array());
    const auto& layer_sizes = sizes.at(image.view.config);
    for (std::size_t i = 0; i < layer_sizes.size() && i < diff_ids.size(); ++i)
      it->second.emplace_back(diff_ids[i].get<std::string>(), layer_sizes[i]);
  }
  return layers;
}

// BuildKit's build cache records, as dockerd lists them: each a snapshot a step made ("regular",
// BuildKit's type of a layer), not mounted by anything while no build runs (InUse). gantry keeps
// no step text with its records: Description is empty.
json build_cache(const std::vector<cache::BuildCacheEntry>& entries) {
  json out = json::array();
  for (const auto& e : entries)
    out.push_back({{"ID", e.id},
                   {"Parent", e.parent},
                   {"Parents", e.parent.empty() ? json::array() : json::array({e.parent})},
                   {"Type", "regular"},
                   {"Description", ""},
                   {"InUse", false},
                   {"Shared", e.shared},
                   {"Size", e.size},
                   {"CreatedAt", exporter::rfc3339_utc(e.created)},
                   {"LastUsedAt", exporter::rfc3339_utc(e.last_used)},
                   {"UsageCount", e.usage_count}});
  return out;
}

}  // namespace

HttpResponse system_df(const DaemonOptions& options, const HttpRequest& request) {
  check_params(request, "GET /system/df", {});
  cache::Store store(options.root, cache::Store::Recovery::Skip);
  // Listed and measured once: the summaries' sizes and the sharing come from the same.
  const auto listed = engine::list_images(store, engine::ImageFilter::parse({}));
  const LayerSizes sizes = measure_layers(store, listed);
  const auto layers = image_layers(listed, sizes);
  std::map<std::string, int> users;  // diff_id -> how many images have it
  std::map<std::string, std::int64_t> layer_size;
  for (const auto& [id, image] : layers)
    for (const auto& [diff_id, size] : image) {
      ++users[diff_id];
      layer_size[diff_id] = size;
    }
  std::int64_t layers_size = 0;
  for (const auto& [diff_id, size] : layer_size) layers_size += size;

  json images = image_summaries(listed, sizes);
  for (auto& image : images) {
    std::int64_t shared = 0;
    if (auto it = layers.find(image["Id"].get<std::string>()); it != layers.end())
      for (const auto& [diff_id, size] : it->second)
        if (users[diff_id] > 1) shared += size;
    image["SharedSize"] = shared;
    image["Containers"] = 0;
  }
  const auto cache_entries = cache::build_cache_entries(store);
  std::int64_t builder_size = 0;
  for (const auto& e : cache_entries)
    if (!e.shared) builder_size += e.size;
  const json body{{"LayersSize", layers_size},
                  {"Images", images},
                  {"Containers", json::array()},
                  {"Volumes", json::array()},
                  {"BuildCache", build_cache(cache_entries)},
                  {"BuilderSize", builder_size}};
  return {.body = body.dump()};
}

HttpResponse prune_build_cache(const DaemonOptions& options, const HttpRequest& request) {
  const cache::PruneOptions prune = parse_build_prune_params(request.query);
  cache::Store store(options.root, cache::Store::Recovery::Skip);
  const cache::PruneReport report = cache::prune(store, prune);
  // The build cache has no per-record ids to list (see above): what was deleted is its size.
  return {.body = json{{"CachesDeleted", json::array()}, {"SpaceReclaimed", report.bytes}}.dump()};
}

}  // namespace gantry::daemon

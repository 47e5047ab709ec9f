#include "engine/image_prune.h"

#include <map>
#include <set>

#include "base/rfc3339.h"
#include "cache/garbage_collector.h"
#include "exporter/image.h"
#include "exporter/json_fields.h"

namespace gantry::engine {

namespace {

using nlohmann::json;

// dockerd's reading of a label list: every KEY or KEY=VALUE is among the image's labels (an
// object).
bool has_every_label(const json& labels, const std::vector<std::string>& wanted) {
  for (const auto& entry : wanted) {
    const auto eq = entry.find('=');
    const std::string key = entry.substr(0, eq);
    if (!labels.contains(key) || !labels[key].is_string()) return false;
    if (eq != std::string::npos && labels[key].get<std::string>() != entry.substr(eq + 1))
      return false;
  }
  return true;
}

bool selected(const ImagePruneRequest& request, const json& config) {
  if (request.until) {
    const auto created = parse_rfc3339_nanos(exporter::string_member(config, "created"));
    if (!created || *created > *request.until) return false;
  }
  const json labels = exporter::object_member(exporter::object_member(config, "config"), "Labels");
  if (!has_every_label(labels, request.labels)) return false;
  if (!request.not_labels.empty() && has_every_label(labels, request.not_labels)) return false;
  return true;
}

}  // namespace

ImagePruneReport prune_images(cache::Store& store, const ImagePruneRequest& request) {
  ImagePruneReport report;
  // Each image's config is read once: the filters and the report need it.
  std::map<Digest, exporter::ImageView> views;
  auto view_of = [&](const Digest& manifest) -> const exporter::ImageView& {
    auto it = views.find(manifest);
    if (it == views.end())
      it = views.emplace(manifest, exporter::read_image(store.content(), manifest)).first;
    return it->second;
  };
  std::set<Digest> removed;
  if (request.all)
    for (const auto& e : store.images().list()) {
      if (!selected(request, view_of(e.manifest).config_json)) continue;
      if (auto names = store.images().remove(e.name); !names.empty()) {
        report.untagged.insert(report.untagged.end(), names.begin(), names.end());
        removed.insert(e.manifest);
      }
    }
  for (const auto& e : store.images().untagged())
    if (selected(request, view_of(e.manifest).config_json) &&
        store.images().forget_untagged(e.manifest))
      removed.insert(e.manifest);
  // Ids are read before the collector removes the config blobs.
  for (const auto& manifest : removed) report.deleted.push_back(view_of(manifest).config.str());
  report.reclaimed_bytes = cache::collect_unused_blobs(store).bytes;
  return report;
}

}  // namespace gantry::engine

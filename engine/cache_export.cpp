#include "engine/cache_export.h"

#include <algorithm>
#include <map>
#include <optional>

#include "base/error.h"
#include "base/image_ref.h"
#include "engine/store_images.h"
#include "exporter/archive.h"
#include "exporter/cache_manifest.h"
#include "registry/push.h"

namespace gantry::engine {

namespace fs = std::filesystem;

namespace {

// Where each of a record's layers is in the image's, in order; nothing when one is not there. A
// step's result is mostly a prefix of the image's layers, but a COPY --link layer (made on
// scratch, merged in) or a merge over it is found further up: those records belong to the image
// too, and are what lets a later build keep the linked step when the steps below it change.
std::optional<std::vector<std::size_t>> positions_in(const std::vector<std::string>& image,
                                                     const std::vector<std::string>& layers) {
  std::vector<std::size_t> positions;
  std::size_t next = 0;
  for (const auto& layer : layers) {
    while (next < image.size() && image[next] != layer) ++next;
    if (next == image.size()) return std::nullopt;
    positions.push_back(next++);
  }
  return positions;
}

// The solver lists records in the order it met them, which depends on what was cached; the
// export must not (an inline cache is part of the image's digest).
std::vector<solver::CacheRecord> in_stable_order(std::vector<solver::CacheRecord> records) {
  std::sort(records.begin(), records.end(), [](const auto& a, const auto& b) {
    return std::pair(a.result.layers.size(), a.key) < std::pair(b.result.layers.size(), b.key);
  });
  return records;
}

exporter::CacheManifest collect(cache::Store& store, const CacheSpec& to,
                                const std::vector<solver::CacheRecord>& records, const solver::Result& target) {
  exporter::CacheManifest cache;
  std::map<std::string, std::size_t> index_of;  // snapshot -> index in cache.layers
  const auto pack = to.pack_options();
  for (const auto& record : in_stable_order(records)) {
    const auto& layers = record.result.layers;
    if (layers.empty() || record.result.host_dir) continue;
    if (!to.max_mode() && !positions_in(target.layers, layers)) continue;
    exporter::CacheEntry entry{record.key, {}, record.result.created};
    for (const auto& snapshot : layers) {
      auto [it, added] = index_of.emplace(snapshot, cache.layers.size());
      if (added) cache.layers.push_back(layer_blob(store, snapshot, pack));
      entry.layers.push_back(it->second);
    }
    cache.records.push_back(std::move(entry));
  }
  return cache;
}

}  // namespace

std::string inline_build_cache(const std::vector<solver::CacheRecord>& records, const solver::Result& target) {
  std::vector<exporter::CacheEntry> entries;
  for (const auto& record : in_stable_order(records)) {
    const auto& layers = record.result.layers;
    if (layers.empty() || record.result.host_dir) continue;
    auto positions = positions_in(target.layers, layers);
    if (!positions) continue;
    entries.push_back({record.key, std::move(*positions), record.result.created});
  }
  return exporter::inline_cache_json(entries);
}

CacheExportReport export_build_cache(cache::Store& store, const CacheSpec& to,
                                     const std::vector<solver::CacheRecord>& records,
                                     const solver::Result& target, const RegistryAccess& registry) {
  try {
    const exporter::CacheManifest cache = collect(store, to, records, target);
    const Digest manifest = exporter::write_cache_manifest(store.content(), cache);
    if (to.type == "registry") {
      registry::push_image(store, manifest, ImageRef::parse(to.location), registry.options, registry.credentials);
    } else {
      exporter::update_oci_layout(store.content(), manifest, "latest", to.location);
    }
    return {static_cast<int>(cache.records.size()), static_cast<int>(cache.layers.size())};
  } catch (const fs::filesystem_error& e) {
    throw Error("export cache to " + to.location + ": " + e.what());
  } catch (const Error& e) {
    throw Error("export cache to " + to.location + ": " + e.what());
  }
}

}  // namespace gantry::engine

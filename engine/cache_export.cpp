#include "engine/cache_export.h"

#include <algorithm>
#include <map>

#include "base/error.h"
#include "base/image_ref.h"
#include "engine/store_images.h"
#include "exporter/archive.h"
#include "exporter/cache_manifest.h"
#include "registry/push.h"

namespace gantry::engine {

namespace fs = std::filesystem;

namespace {

bool starts_with(const std::vector<std::string>& whole, const std::vector<std::string>& prefix) {
  return prefix.size() <= whole.size() && std::equal(prefix.begin(), prefix.end(), whole.begin());
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
    if (!to.max_mode() && !starts_with(target.layers, layers)) continue;
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
    if (layers.empty() || record.result.host_dir || !starts_with(target.layers, layers)) continue;
    exporter::CacheEntry entry{record.key, {}, record.result.created};
    for (std::size_t i = 0; i < layers.size(); ++i) entry.layers.push_back(i);
    entries.push_back(std::move(entry));
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

#include "cli/cache_export.h"

#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/file_util.h"
#include "base/image_ref.h"
#include "cli/store_images.h"
#include "exporter/cache_manifest.h"
#include "exporter/media_types.h"
#include "registry/push.h"

namespace gantry::cli {

namespace fs = std::filesystem;
using nlohmann::json;

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

// Hard-links a blob of the content store into the layout (copies it across file systems).
void place_blob(const cache::ContentStore& content, const Digest& blob, const fs::path& blobs_dir) {
  const fs::path dest = blobs_dir / blob.hex();
  if (fs::exists(dest)) return;  // content-addressed: already the right bytes
  const fs::path temp = blobs_dir / (".tmp-" + blob.hex());
  fs::remove(temp);
  std::error_code linked;
  fs::create_hard_link(content.path(blob), temp, linked);
  if (linked) fs::copy_file(content.path(blob), temp);
  fs::rename(temp, dest);
}

void write_layout(const cache::ContentStore& content, const Digest& manifest, const fs::path& dir) {
  const fs::path blobs_dir = dir / "blobs" / "sha256";
  fs::create_directories(blobs_dir);
  const json parsed = json::parse(content.read(manifest));
  place_blob(content, Digest::parse(parsed.at("config").at("digest").get<std::string>()), blobs_dir);
  for (const json& layer : parsed.at("layers"))
    place_blob(content, Digest::parse(layer.at("digest").get<std::string>()), blobs_dir);
  place_blob(content, manifest, blobs_dir);
  write_file_atomic(dir / "oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  const json index{
      {"schemaVersion", 2},
      {"mediaType", exporter::media_types::kOciIndex},
      {"manifests",
       {{{"mediaType", exporter::media_types::kOciManifest},
         {"digest", manifest.str()},
         {"size", content.size(manifest)},
         {"annotations", {{"org.opencontainers.image.ref.name", "latest"}}}}}}};
  write_file_atomic(dir / "index.json", index.dump());  // last: the switch to the new cache
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
                                     const solver::Result& target, const registry::RegistryOptions& options) {
  try {
    const exporter::CacheManifest cache = collect(store, to, records, target);
    const Digest manifest = exporter::write_cache_manifest(store.content(), cache);
    if (to.type == "registry") {
      registry::push_image(store, manifest, ImageRef::parse(to.location), options,
                           registry::CredentialStore::from_environment());
    } else {
      write_layout(store.content(), manifest, to.location);
    }
    return {static_cast<int>(cache.records.size()), static_cast<int>(cache.layers.size())};
  } catch (const fs::filesystem_error& e) {
    throw Error("export cache to " + to.location + ": " + e.what());
  } catch (const Error& e) {
    throw Error("export cache to " + to.location + ": " + e.what());
  }
}

}  // namespace gantry::cli

#include "engine/cache_import.h"

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/file_util.h"
#include "base/image_ref.h"
#include "engine/store_images.h"
#include "exporter/json_fields.h"
#include "registry/blob_download.h"
#include "registry/registry_client.h"

namespace gantry::engine {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

class RegistryCacheSource : public CacheSource {
 public:
  RegistryCacheSource(const std::string& ref, const RegistryAccess& registry)
      : ref_(ImageRef::parse(ref)), client_(ref_.registry, registry.options, registry.credentials.find(ref_.registry)) {}

  std::string name() const override { return ref_.familiar(); }

  exporter::CacheManifest load() override {
    const auto manifest = client_.get_manifest(ref_.path, ref_.digest ? ref_.digest->str() : ref_.tag);
    const Digest config_digest = exporter::cache_config_digest(manifest.bytes, name());
    std::string config;
    client_.fetch_blob(ref_.path, config_digest, [&](std::string_view bytes) {
      if (config.size() + bytes.size() > kMaxConfigBytes) throw Error("cache config " + config_digest.str() + " is too large");
      config += bytes;
    });
    if (sha256_of(config) != config_digest) throw Error("cache config " + config_digest.str() + ": digest mismatch");
    return exporter::parse_cache_manifest(manifest.bytes, config, name());
  }

  void fetch(const exporter::LayerBlob& blob, const cache::ContentStore& content) override {
    if (!content.has(blob.digest)) registry::download_blob(client_, content, ref_.path, {blob.digest, blob.size});
  }

 private:
  static constexpr std::size_t kMaxConfigBytes = 64 << 20;
  ImageRef ref_;
  registry::RegistryClient client_;
};

// An OCI layout directory as --cache-to type=local writes it: index.json names the manifest.
class DirCacheSource : public CacheSource {
 public:
  explicit DirCacheSource(fs::path dir) : dir_(std::move(dir)) {}

  std::string name() const override { return dir_.string(); }

  exporter::CacheManifest load() override {
    const json index = json::parse(read_file(dir_ / "index.json"), nullptr, false);
    if (!index.is_object() || !index.contains("manifests") || !index["manifests"].is_array() ||
        index["manifests"].empty())
      throw Error(name() + "/index.json: names no manifest");
    const std::string named = exporter::string_member(index["manifests"].back(), "digest");
    if (named.empty()) throw Error(name() + "/index.json: its last manifest has no digest");
    const Digest manifest_digest = Digest::parse(named);
    const std::string manifest = read_blob(manifest_digest);
    const std::string config = read_blob(exporter::cache_config_digest(manifest, name()));
    return exporter::parse_cache_manifest(manifest, config, name());
  }

  void fetch(const exporter::LayerBlob& blob, const cache::ContentStore& content) override {
    if (!content.has(blob.digest)) content.put_file(blob_path(blob.digest), blob.digest);  // digest checked
  }

 private:
  fs::path blob_path(const Digest& digest) const { return dir_ / "blobs" / "sha256" / digest.hex(); }

  std::string read_blob(const Digest& digest) const {
    std::string bytes = read_file(blob_path(digest));
    if (sha256_of(bytes) != digest) throw Error(blob_path(digest).string() + ": digest mismatch");
    return bytes;
  }

  fs::path dir_;
};

}  // namespace

BuildCacheImporter::BuildCacheImporter(cache::Store& store, const std::vector<CacheSpec>& sources,
                                       const RegistryAccess& registry)
    : store_(store) {
  for (const auto& spec : sources) {
    if (spec.type == "registry") sources_.push_back(std::make_unique<RegistryCacheSource>(spec.location, registry));
    else sources_.push_back(std::make_unique<DirCacheSource>(spec.location));
  }
}

BuildCacheImporter::~BuildCacheImporter() = default;

void BuildCacheImporter::load_sources() {
  loaded_ = true;
  std::vector<CacheSource*> loaded;
  caches_.reserve(sources_.size());  // records_ points into it
  for (const auto& source : sources_) {
    try {
      caches_.push_back(source->load());
      loaded.push_back(source.get());
    } catch (const Error& e) {
      warnings_.push_back("cache " + source->name() + " not imported: " + e.what());
    }
  }
  for (std::size_t i = 0; i < caches_.size(); ++i)
    for (const auto& entry : caches_[i].records) records_.emplace(entry.key, Found{loaded[i], &caches_[i], &entry});
}

std::optional<solver::Result> BuildCacheImporter::fetch(const Digest& key) {
  if (!loaded_) load_sources();
  const auto it = records_.find(key);
  if (it == records_.end()) return std::nullopt;
  const Found& found = it->second;
  try {
    solver::Result result;
    result.created = found.entry->created;
    for (std::size_t index : found.entry->layers) {
      const exporter::LayerBlob& blob = found.cache->layers[index];
      found.source->fetch(blob, store_.content());
      result.layers.push_back(unpacked_snapshot(store_, blob));
    }
    return result;
  } catch (const Error& e) {
    warnings_.push_back("cache " + found.source->name() + ": record " + key.str() + " not imported: " + e.what());
    return std::nullopt;
  }
}

}  // namespace gantry::engine

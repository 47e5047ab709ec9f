#include "exporter/cache_manifest.h"

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "exporter/media_types.h"

namespace gantry::exporter {

using nlohmann::json;

namespace {

json descriptor(std::string_view media_type, const Digest& digest, std::int64_t size) {
  return {{"mediaType", media_type}, {"digest", digest.str()}, {"size", size}};
}

json parse_object(std::string_view text, const std::string& what, const char* part) {
  json parsed = json::parse(text, nullptr, false);
  if (!parsed.is_object()) throw Error(what + ": the cache " + part + " is not a JSON object");
  return parsed;
}

}  // namespace

Digest write_cache_manifest(const cache::ContentStore& store, const CacheManifest& cache) {
  json config{{"layers", json::array()}, {"records", json::array()}};
  json layers = json::array();
  for (const auto& blob : cache.layers) {
    config["layers"].push_back({{"diffID", blob.diff_id.str()}});
    layers.push_back(descriptor(blob.media_type, blob.digest, blob.size));
  }
  for (const auto& record : cache.records)
    config["records"].push_back(
        {{"key", record.key.str()}, {"layers", record.layers}, {"created", record.created}});
  const std::string config_bytes = config.dump();
  const Digest config_digest = store.put(config_bytes);
  const json manifest{
      {"schemaVersion", 2},
      {"mediaType", media_types::kOciManifest},
      {"config", descriptor(kCacheConfig, config_digest, static_cast<std::int64_t>(config_bytes.size()))},
      {"layers", layers}};
  return store.put(manifest.dump());
}

Digest cache_config_digest(std::string_view manifest, const std::string& what) {
  const json parsed = parse_object(manifest, what, "manifest");
  try {
    const json& config = parsed.at("config");
    if (config.at("mediaType").get<std::string>() != kCacheConfig)
      throw Error(what + ": not a gantry build cache (config media type " +
                  config.at("mediaType").get<std::string>() + ")");
    return Digest::parse(config.at("digest").get<std::string>());
  } catch (const json::exception& e) {
    throw Error(what + ": malformed cache manifest: " + e.what());
  }
}

CacheManifest parse_cache_manifest(std::string_view manifest, std::string_view config,
                                   const std::string& what) {
  cache_config_digest(manifest, what);
  const json m = parse_object(manifest, what, "manifest");
  const json c = parse_object(config, what, "config");
  CacheManifest cache;
  try {
    const json& descriptors = m.at("layers");
    const json& diff_ids = c.at("layers");
    if (descriptors.size() != diff_ids.size())
      throw Error(what + ": the cache manifest has " + std::to_string(descriptors.size()) +
                  " layers but its config " + std::to_string(diff_ids.size()));
    for (std::size_t i = 0; i < descriptors.size(); ++i)
      cache.layers.push_back({Digest::parse(diff_ids[i].at("diffID").get<std::string>()),
                              Digest::parse(descriptors[i].at("digest").get<std::string>()),
                              descriptors[i].at("size").get<std::int64_t>(),
                              descriptors[i].at("mediaType").get<std::string>()});
    for (const json& r : c.at("records")) {
      CacheEntry entry{Digest::parse(r.at("key").get<std::string>()),
                       r.at("layers").get<std::vector<std::size_t>>(), r.value("created", std::int64_t{0})};
      for (std::size_t index : entry.layers)
        if (index >= cache.layers.size())
          throw Error(what + ": record " + entry.key.str() + " names layer " + std::to_string(index) +
                      " of " + std::to_string(cache.layers.size()));
      cache.records.push_back(std::move(entry));
    }
  } catch (const json::exception& e) {
    throw Error(what + ": malformed cache config: " + e.what());
  }
  return cache;
}

}  // namespace gantry::exporter

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

json records_json(const std::vector<CacheEntry>& records) {
  json out = json::array();
  for (const auto& record : records)
    out.push_back({{"key", record.key.str()}, {"layers", record.layers}, {"created", record.created}});
  return out;
}

std::vector<CacheEntry> parse_records(const json& records, std::size_t layer_count, const std::string& what) {
  std::vector<CacheEntry> entries;
  for (const json& r : records) {
    CacheEntry entry{Digest::parse(r.at("key").get<std::string>()), r.at("layers").get<std::vector<std::size_t>>(),
                     r.value("created", std::int64_t{0})};
    for (std::size_t index : entry.layers)
      if (index >= layer_count)
        throw Error(what + ": record " + entry.key.str() + " names layer " + std::to_string(index) + " of " +
                    std::to_string(layer_count));
    entries.push_back(std::move(entry));
  }
  return entries;
}

bool is_image_config(const std::string& media_type) {
  return media_type == media_types::kOciConfig || media_type == media_types::kDockerConfig;
}

}  // namespace

std::string inline_cache_json(const std::vector<CacheEntry>& records) {
  return json{{"records", records_json(records)}}.dump();
}

Digest write_cache_manifest(const cache::ContentStore& store, const CacheManifest& cache) {
  json config{{"layers", json::array()}, {"records", json::array()}};
  json layers = json::array();
  for (const auto& blob : cache.layers) {
    config["layers"].push_back({{"diffID", blob.diff_id.str()}});
    layers.push_back(descriptor(blob.media_type, blob.digest, blob.size));
  }
  config["records"] = records_json(cache.records);
  const std::string config_bytes = config.dump();
  const Digest config_digest = store.put(config_bytes);
  const json manifest{
      {"schemaVersion", 2},
      {"mediaType", media_types::kOciManifest},
      {"config", descriptor(kCacheConfig, config_digest, static_cast<std::int64_t>(config_bytes.size()))},
      {"layers", layers}};
  return store.put(manifest.dump());
}

namespace {

// A manifest whose config is a cache config or an image config (which may carry an inline cache).
json checked_manifest(std::string_view manifest, const std::string& what) {
  json parsed = parse_object(manifest, what, "manifest");
  try {
    const auto media_type = parsed.at("config").at("mediaType").get<std::string>();
    if (media_type != kCacheConfig && !is_image_config(media_type))
      throw Error(what + ": not a gantry build cache (config media type " + media_type + ")");
  } catch (const json::exception&) {
    throw Error(what + ": malformed cache manifest: its config has no media type");
  }
  return parsed;
}

}  // namespace

Digest cache_config_digest(std::string_view manifest, const std::string& what) {
  const json parsed = checked_manifest(manifest, what);
  try {
    return Digest::parse(parsed.at("config").at("digest").get<std::string>());
  } catch (const json::exception&) {
    throw Error(what + ": malformed cache manifest: its config has no digest");
  }
}

CacheManifest parse_cache_manifest(std::string_view manifest, std::string_view config,
                                   const std::string& what) {
  const json m = checked_manifest(manifest, what);
  const json c = parse_object(config, what, "config");
  CacheManifest cache;
  try {
    const json& descriptors = m.at("layers");
    const bool inline_cache = m.at("config").at("mediaType").get<std::string>() != kCacheConfig;
    json records;
    if (inline_cache) {
      if (!c.contains(kInlineCacheKey) || !c[kInlineCacheKey].is_string())
        throw Error(what + ": the image carries no build cache (build it with --cache-to type=inline)");
      records = json::parse(c[kInlineCacheKey].get<std::string>()).at("records");
    } else {
      records = c.at("records");
    }
    const json& diff_ids = inline_cache ? c.at("rootfs").at("diff_ids") : c.at("layers");
    if (descriptors.size() != diff_ids.size())
      throw Error(what + ": the manifest has " + std::to_string(descriptors.size()) + " layers but its config " +
                  std::to_string(diff_ids.size()));
    for (std::size_t i = 0; i < descriptors.size(); ++i)
      cache.layers.push_back({Digest::parse(inline_cache ? diff_ids[i].get<std::string>()
                                                         : diff_ids[i].at("diffID").get<std::string>()),
                              Digest::parse(descriptors[i].at("digest").get<std::string>()),
                              descriptors[i].at("size").get<std::int64_t>(),
                              descriptors[i].at("mediaType").get<std::string>()});
    cache.records = parse_records(records, cache.layers.size(), what);
  } catch (const json::exception&) {
    // The library's message names neither the blob nor the field; what is wrong is the shape.
    throw Error(what + ": malformed cache: a layer or record lacks a field or has one of the wrong type");
  }
  return cache;
}

}  // namespace gantry::exporter

// The build cache as gantry exports it (--cache-to) and imports it (--cache-from): an OCI image
// manifest whose config is a cache config and whose layers are the cached results' layer blobs,
// so that a registry keeps it like any image and a directory like any OCI layout.
//
// The cache config (media type kCacheConfig) lists, parallel to the manifest's layers, each
// blob's diff_id, and the records: a cache key, the indexes of its result's layers (bottom
// first) and when that result was first built (an image's "created" comes from it):
//   {"layers": [{"diffID": "sha256:..."}, ...],
//    "records": [{"key": "sha256:...", "layers": [0, 1], "created": 1700000000}, ...]}
//
// An inline cache (--cache-to type=inline) travels in the image itself: its config carries, as
// a string under kInlineCacheKey, the JSON {"records": [...]} as above, with indexes into the
// image's own layers. Reading an image's manifest and config gives the same CacheManifest.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/digest.h"
#include "cache/content_store.h"
#include "exporter/layer.h"

namespace gantry::exporter {

inline constexpr std::string_view kCacheConfig = "application/vnd.gantry.cache.config.v1+json";
inline constexpr const char* kInlineCacheKey = "gantry.buildcache.v1";

struct CacheEntry {
  Digest key;
  std::vector<std::size_t> layers;  // indexes into CacheManifest::layers, bottom first
  std::int64_t created = 0;
};

struct CacheManifest {
  std::vector<LayerBlob> layers;
  std::vector<CacheEntry> records;
};

// Writes the config and the manifest into `store` (the layer blobs must be there); returns the
// manifest's digest.
Digest write_cache_manifest(const cache::ContentStore& store, const CacheManifest& cache);

// The value of an image config's kInlineCacheKey for these records.
std::string inline_cache_json(const std::vector<CacheEntry>& records);

// Reads a cache from its manifest and config bytes (a cache manifest, or an image with an
// inline cache); throws Error "<what>: ..." when they are not a gantry build cache or are
// inconsistent.
CacheManifest parse_cache_manifest(std::string_view manifest, std::string_view config,
                                   const std::string& what);

// The config's digest named by a cache manifest (what to fetch next); throws like the above.
Digest cache_config_digest(std::string_view manifest, const std::string& what);

}  // namespace gantry::exporter

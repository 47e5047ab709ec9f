// --cache-from: build cache records kept in registries and directories (what --cache-to wrote
// there, maybe on another machine), for the keys the local store has no record of.
//
// Each source's manifest and config (a few KB) are read on the first lookup; a record's layer
// blobs are fetched only when its key is asked for, i.e. when the step would otherwise run, and
// unpacked into snapshots like a base image's layers. A cache is an optimisation: a source
// that cannot be read or a blob that cannot be fetched is a warning, and the step just runs.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cache/store.h"
#include "engine/cache_spec.h"
#include "engine/registry_access.h"
#include "exporter/cache_manifest.h"
#include "solver/solver.h"

namespace gantry::engine {

// Where a cache is read from: a registry reference or an OCI layout directory.
class CacheSource {
 public:
  virtual ~CacheSource() = default;
  virtual std::string name() const = 0;  // for messages: the ref or the directory
  virtual exporter::CacheManifest load() = 0;
  // Brings one of the cache's layer blobs into the content store, digest checked.
  virtual void fetch(const exporter::LayerBlob& blob, const cache::ContentStore& content) = 0;
};

class BuildCacheImporter : public solver::CacheImporter {
 public:
  BuildCacheImporter(cache::Store& store, const std::vector<CacheSpec>& sources,
                     const RegistryAccess& registry);
  ~BuildCacheImporter() override;

  std::optional<solver::Result> fetch(const Digest& key) override;

  // What was skipped (a source not read, a record not fetched), one line each.
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  struct Found {
    CacheSource* source;
    const exporter::CacheManifest* cache;
    const exporter::CacheEntry* entry;
  };
  void load_sources();

  cache::Store& store_;
  std::vector<std::unique_ptr<CacheSource>> sources_;
  std::vector<exporter::CacheManifest> caches_;  // parallel to the sources that loaded
  std::map<Digest, Found> records_;              // the first source naming a key wins
  bool loaded_ = false;
  std::vector<std::string> warnings_;
};

}  // namespace gantry::engine

// --cache-to: the build's cache records, with their layers' blobs, written where another build
// (on this machine or another) can import them with --cache-from. See exporter/cache_manifest.h
// for the format and engine/cache_spec.h for min and max modes.
#pragma once

#include <vector>

#include "cache/store.h"
#include "engine/cache_spec.h"
#include "engine/registry_access.h"
#include "solver/solver.h"

namespace gantry::engine {

struct CacheExportReport {
  int records = 0;
  int layers = 0;
};

// Writes the records of `records` that `to` (registry or local) selects (all in max mode; in min mode those whose
// layers the final result `target` starts with) to the registry ref or directory of `to`. A
// directory gets a whole OCI layout whose index.json is replaced last, so a failure leaves the
// previous cache readable. Throws Error naming the destination when the export fails.
CacheExportReport export_build_cache(cache::Store& store, const CacheSpec& to,
                                     const std::vector<solver::CacheRecord>& records,
                                     const solver::Result& target,
                                     const RegistryAccess& registry);

// The inline cache of an image whose layers are `target`'s: the records whose layers the image
// starts with, for its config's exporter::kInlineCacheKey.
std::string inline_build_cache(const std::vector<solver::CacheRecord>& records, const solver::Result& target);

}  // namespace gantry::engine

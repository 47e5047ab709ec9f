// What the store holds (`gantry du`) and how it is trimmed (`gantry prune`, and the automatic
// GC after a build).
//
// Pruning removes build-cache records, least recently used first, then everything no longer
// reachable: snapshots that no record, no unpacked image layer and no image uses (a built
// layer's snapshot stands in for its blob, which the store does not keep), and blobs that no
// image and no remembered layer blob uses. It runs under the store's exclusive lock, so it
// never removes what a running build has made but not recorded yet.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "cache/store.h"

namespace gantry::cache {

struct DiskUsage {
  std::int64_t images = 0;        // blobs of named and untagged images (manifests, configs, layers),
                                  // and the snapshots that stand in for their built layers' blobs
  std::int64_t layers = 0;        // unpacked base-image layers
  std::int64_t build_cache = 0;   // snapshots made by builds
  std::int64_t cache_mounts = 0;  // RUN --mount=type=cache directories
  std::int64_t reclaimable_blobs = 0;  // blobs no image uses
  std::int64_t temporary = 0;  // work of running commands: blobs being written, snapshots being
                               // made, scratch dirs (an import's rootfs), exports being staged
  int build_cache_records = 0;
};

// One snapshot of the build cache as docker's API lists build cache records: what a build step
// made (or a base image's layer a step's result starts from), with the uses of the records whose
// result ends with it.
struct BuildCacheEntry {
  std::string id;      // the snapshot's id
  std::string parent;  // the snapshot below it in a record's layers; "" for a first layer
  std::int64_t size = 0;  // bytes it occupies, as disk_usage() measures them
  // An image's layer (built or unpacked) too: pruning the build cache would not free it, and
  // disk_usage() counts it under images or layers, not build_cache.
  bool shared = false;
  std::int64_t created = 0, last_used = 0;  // unix seconds
  std::int64_t usage_count = 0;  // builds that made or found a record ending with it (the most)
};

struct PruneOptions {
  bool all = false;  // also unpacked base layers and every blob no image uses
  // also every blob no image uses, even a layer's remembered packed form (packed again if needed)
  bool unused_blobs = false;
  std::optional<std::int64_t> keep_storage;  // trim the build cache down to this many bytes
  std::optional<std::int64_t> unused_for_seconds;  // only records unused for this long
};

struct PruneReport {
  int records = 0;
  int snapshots = 0;
  int blobs = 0;
  std::int64_t bytes = 0;
};

// Bytes a directory tree occupies on disk (allocated blocks, links not followed).
std::int64_t directory_size(const std::filesystem::path& dir);

DiskUsage disk_usage(Store& store);
// Every snapshot disk_usage() counts as build cache, and every other snapshot a record's result
// ends with (shared), in the order of their ids. The sizes of those not shared add up to
// disk_usage()'s build_cache, measured at the same moment.
std::vector<BuildCacheEntry> build_cache_entries(Store& store);
// Takes the store's exclusive lock (waiting for running builds) for the duration.
PruneReport prune(Store& store, const PruneOptions& options);
// Removes only the blobs nothing uses any more (after `gantry image prune` forgot images);
// the build cache stays. Takes the exclusive lock like prune().
PruneReport collect_unused_blobs(Store& store);
// After a build: when the build cache is over `cap_bytes`, or the store's filesystem has less
// free space than that, trims the build cache to `cap_bytes` and removes the blobs nothing uses,
// if no other gantry process is using the store; never waits.
std::optional<PruneReport> collect_if_over(Store& store, std::int64_t cap_bytes);
// After a command failed: removes those of `written` (the blobs it made) that no image needs (a
// built layer's plain blob is not needed while its snapshot is there), so that a failed export
// (on a full disk, say) gives back its space at once. Skipped, never waited
// for, while another gantry uses the store (it may be about to use one of them): the automatic GC
// gets them then.
PruneReport remove_written_blobs(Store& store, const std::vector<Digest>& written);
// The default cap: 10% of the store's filesystem, at most 20 GB.
std::int64_t default_gc_cap(const std::filesystem::path& root);

}  // namespace gantry::cache

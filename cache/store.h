// Everything gantry keeps under its root (--root, $GANTRY_ROOT, default /var/lib/gantry):
//   blobs/sha256/<hex>   content store (layers, configs, manifests)
//   ingest/              blobs being written
//   snapshots/<id>/fs    unpacked layers
//   metadata.db          SQLite (WAL): image names, build cache, layer <-> blob links, what
//                        compressed layer blobs hold uncompressed, layers' content sizes
//   tmp/<pid>-XXXXXX     scratch space of a running process (mount points, throw-away dirs,
//                        an import's unpacked rootfs), and its records of staging directories
//                        beside destinations outside the store (staging_beside.h)
// Opening a Store creates what is missing, migrates the schema and removes what crashed
// processes left half-done (temp blobs, staging snapshots, scratch and staging directories), so
// the next build starts clean. A long-running process that recovered once when it started
// (the daemon) opens its further Stores with Recovery::Skip: that walk is not for every request.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <utility>

#include "cache/content_store.h"
#include "cache/image_store.h"
#include "cache/snapshot_store.h"
#include "cache/staging_beside.h"
#include "cache/store_lock.h"
#include "base/file_util.h"
#include "base/unique_fd.h"
#include "cache/sqlite_db.h"
#include "cache/layer_content_sizes.h"
#include "cache/uncompressed_layers.h"

namespace gantry::cache {

class Store {
 public:
  enum class Recovery { Run, Skip };
  explicit Store(std::filesystem::path root, Recovery recovery = Recovery::Run);

  const std::filesystem::path& root() const { return root_; }
  ContentStore& content() { return content_; }
  SnapshotStore& snapshots() { return snapshots_; }
  const SnapshotStore& snapshots() const { return snapshots_; }
  Database& db() { return db_; }
  ImageStore& images() { return images_; }
  UncompressedLayers& uncompressed_layers() { return uncompressed_layers_; }
  LayerContentSizes& layer_content_sizes() { return layer_content_sizes_; }
  // A scratch directory for this process, removed with the object (or, after a crash, when
  // the next Store is opened).
  TempDir scratch_dir() const;
  // A staging directory beside `dest`, outside the store, recorded in tmp/ (staging_beside.h).
  StagingBeside staging_beside(const std::filesystem::path& dest) const { return {root_ / "tmp", dest}; }
  // Where the per-step lock files live (solver/step_lock.h); made when the Store opens.
  std::filesystem::path locks_dir() const { return root_ / "locks"; }

  // Every process that opens a Store holds it shared; pruning takes it exclusively (waiting for
  // running builds, holding back those that start meanwhile), so nothing a build has made but
  // not yet recorded is removed (store_lock.h).
  class ExclusiveLock {
   public:
    explicit ExclusiveLock(Store& store);  // waits; take it before the command makes anything
    // Never waits; when it fails the store is still held shared.
    static std::optional<ExclusiveLock> try_take(Store& store);
    ExclusiveLock(ExclusiveLock&& o) noexcept : store_(std::exchange(o.store_, nullptr)) {}
    ExclusiveLock& operator=(ExclusiveLock&&) = delete;
    ~ExclusiveLock();  // back to shared

   private:
    explicit ExclusiveLock(Store* store) : store_(store) {}
    Store* store_;
  };

 private:
  std::filesystem::path root_;
  StoreLock lock_;
  ContentStore content_;
  SnapshotStore snapshots_;
  Database db_;
  ImageStore images_;
  UncompressedLayers uncompressed_layers_;
  LayerContentSizes layer_content_sizes_;
};

}  // namespace gantry::cache

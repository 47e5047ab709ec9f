// Everything gantry keeps under its root (--root, $GANTRY_ROOT, default /var/lib/gantry):
//   blobs/sha256/<hex>   content store (layers, configs, manifests)
//   ingest/              blobs being written
//   snapshots/<id>/fs    unpacked layers
//   metadata.db          SQLite (WAL): image names, build cache, layer <-> blob links
//   tmp/<pid>-XXXXXX     scratch space of a running process (mount points, throw-away dirs)
// Opening a Store creates what is missing, migrates the schema and removes what crashed
// processes left half-done (temp blobs, staging snapshots), so the next build starts clean.
#pragma once

#include <filesystem>
#include <memory>

#include "cache/content_store.h"
#include "cache/image_store.h"
#include "cache/snapshot_store.h"
#include "base/file_util.h"
#include "cache/sqlite_db.h"

namespace gantry::cache {

class Store {
 public:
  explicit Store(std::filesystem::path root);

  const std::filesystem::path& root() const { return root_; }
  ContentStore& content() { return content_; }
  SnapshotStore& snapshots() { return snapshots_; }
  Database& db() { return db_; }
  ImageStore& images() { return images_; }
  // A scratch directory for this process, removed with the object (or, after a crash, when
  // the next Store is opened).
  TempDir scratch_dir() const;

 private:
  std::filesystem::path root_;
  ContentStore content_;
  SnapshotStore snapshots_;
  Database db_;
  ImageStore images_;
};

}  // namespace gantry::cache

// Snapshots: one directory per layer, holding that layer's files in overlayfs form (a deleted
// path is a 0/0 character device, an opaque directory carries trusted.overlay.opaque=y), so a
// chain of snapshots can be mounted directly as overlay lowerdirs.
//
// Life of a snapshot: prepare() makes <root>/snapshots/staging-XXXX/{fs,work}; the caller fills
// fs/ (by unpacking a layer, running a RUN with it as the overlay upper dir, or copying files);
// commit() renames it to <root>/snapshots/<id> and it is immutable from then on. A staging dir
// that was never committed (a failure, a kill -9) is removed by clean_staging() at the next
// start. Ids are short so that many lowerdirs fit in one overlay mount's options.
#pragma once

#include <filesystem>
#include <string>

namespace gantry::cache {

class SnapshotStore {
 public:
  explicit SnapshotStore(std::filesystem::path root);

  class Staging {
   public:
    Staging(Staging&&) noexcept;
    Staging& operator=(Staging&&) = delete;
    ~Staging();  // removes the staging dir unless committed

    const std::filesystem::path& fs() const { return fs_; }      // the layer's files
    const std::filesystem::path& work() const { return work_; }  // overlayfs work dir
    std::string commit();  // returns the new snapshot's id

   private:
    friend class SnapshotStore;
    Staging(const SnapshotStore& store, std::filesystem::path dir);
    const SnapshotStore* store_;
    std::filesystem::path dir_, fs_, work_;
  };

  Staging prepare() const;
  std::filesystem::path dir(const std::string& id) const { return root_ / id / "fs"; }
  bool exists(const std::string& id) const;
  void remove(const std::string& id) const;
  void clean_staging() const;

 private:
  std::filesystem::path root_;
};

}  // namespace gantry::cache

#include "cache/snapshot_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <random>

#include "base/error.h"
#include "base/file_util.h"
#include "cache/temp_names.h"

namespace gantry::cache {

namespace fs = std::filesystem;

namespace {
std::string random_id() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(16, '0');
  auto v = rng();
  for (auto& c : id) {
    c = kHex[v & 0xf];
    v >>= 4;
  }
  return id;
}
}  // namespace

SnapshotStore::SnapshotStore(fs::path root) : root_(std::move(root)) {
  fs::create_directories(root_);
}

SnapshotStore::Staging SnapshotStore::prepare() const {
  std::string tmpl = (root_ / (staging_prefix(::getpid()) + "XXXXXX")).string();
  if (!::mkdtemp(tmpl.data())) throw_errno("create snapshot in `" + root_.string() + "`");
  return Staging(*this, tmpl);
}

SnapshotStore::Staging::Staging(const SnapshotStore& store, fs::path dir)
    : store_(&store), dir_(std::move(dir)), fs_(dir_ / "fs"), work_(dir_ / "work") {
  fs::create_directory(fs_);
  fs::create_directory(work_);
  fs::permissions(fs_, fs::perms(0755));
}

SnapshotStore::Staging::Staging(Staging&& o) noexcept
    : store_(o.store_), dir_(std::move(o.dir_)), fs_(std::move(o.fs_)), work_(std::move(o.work_)) {
  o.dir_.clear();
}

SnapshotStore::Staging::~Staging() {
  if (dir_.empty()) return;
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string SnapshotStore::Staging::commit() {
  // The overlay work dir is only needed while the layer is an upper dir.
  std::error_code ec;
  fs::remove_all(work_, ec);
  std::string id = random_id();
  fs::path dest = store_->root_ / id;
  // No fsync: a killed process loses nothing the kernel has (the store is safe against kill -9
  // at any point), and syncing every step's directory would cost more than the step.
  if (::rename(dir_.c_str(), dest.c_str()) != 0) throw_errno("commit snapshot `" + id + "`");
  dir_.clear();
  return id;
}

bool SnapshotStore::exists(const std::string& id) const { return fs::exists(root_ / id / "fs"); }

void SnapshotStore::remove(const std::string& id) const {
  // Rename first so a crash halfway through the delete never leaves a half snapshot under a
  // live id.
  fs::path doomed = root_ / (staging_prefix(::getpid()) + "rm-" + id);
  if (::rename((root_ / id).c_str(), doomed.c_str()) != 0) return;
  std::error_code ec;
  fs::remove_all(doomed, ec);
}

void SnapshotStore::clean_staging() const {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root_, ec))
    if (auto pid = owner_of_temp_name(entry.path().filename().string(), "staging-");
        pid && !process_alive(*pid))
      fs::remove_all(entry, ec);
}

}  // namespace gantry::cache

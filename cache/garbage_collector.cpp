#include "cache/garbage_collector.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <limits>
#include <map>
#include <set>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/unique_fd.h"
#include "cache/directory_entries.h"
#include "cache/staging_beside.h"
#include "cache/temp_names.h"

namespace gantry::cache {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Record {
  std::string key;
  std::vector<std::string> layers;
  std::int64_t last_used;
  std::int64_t created;
  std::int64_t use_count;
};

std::vector<Record> cache_records(Database& db) {
  std::vector<Record> out;
  auto st = db.prepare(
      "SELECT key, result, last_used, created, use_count FROM cache_results "
      "ORDER BY last_used, key");
  while (st.step()) {
    Record r{st.text(0), {}, st.integer(2), st.integer(3), st.integer(4)};
    const json parsed = json::parse(st.text(1));
    for (const auto& id : parsed.at("layers")) r.layers.push_back(id.get<std::string>());
    out.push_back(std::move(r));
  }
  return out;
}

std::map<std::string, std::int64_t> snapshot_sizes(Database& db) {
  std::map<std::string, std::int64_t> out;
  auto st = db.prepare("SELECT id, size FROM snapshots");
  while (st.step()) out[st.text(0)] = st.integer(1);
  return out;
}

std::set<std::string> unpacked_layer_snapshots(Database& db) {
  std::set<std::string> out;
  auto st = db.prepare("SELECT snapshot FROM unpacked_layers");
  while (st.step()) out.insert(st.text(0));
  return out;
}

// Every blob a named or untagged image needs: manifests (and index children), configs, layers.
std::set<std::string> image_blobs(Store& store) {
  std::set<std::string> out;
  std::vector<Digest> pending;
  for (const auto& e : store.images().list()) pending.push_back(e.manifest);
  for (const auto& e : store.images().untagged()) pending.push_back(e.manifest);
  while (!pending.empty()) {
    Digest d = pending.back();
    pending.pop_back();
    if (!out.insert(d.str()).second || !store.content().has(d)) continue;
    json m = json::parse(store.content().read(d), nullptr, false);
    if (m.is_discarded()) continue;
    for (const auto& child : m.value("manifests", json::array()))
      pending.push_back(Digest::parse(child.at("digest").get<std::string>()));
    if (m.contains("config")) out.insert(m["config"].at("digest").get<std::string>());
    for (const auto& l : m.value("layers", json::array())) out.insert(l.at("digest").get<std::string>());
  }
  return out;
}

// What named and untagged images hold: their blobs, and the snapshots that stand in for the
// blobs of their built layers (a build's uncompressed layers are only hashed, and packed from
// the snapshot again when exported). Those snapshots are the images' data, not build cache, for
// as long as an image uses them. Taken once per pass: it reads every image's manifests.
struct ImageHoldings {
  std::set<std::string> blobs;
  std::set<std::string> layer_snapshots;
};

ImageHoldings image_holdings(Store& store) {
  ImageHoldings out{.blobs = image_blobs(store)};
  auto st = store.db().prepare("SELECT snapshot, digest FROM layer_blobs WHERE compression = 'uncompressed'");
  while (st.step())
    if (out.blobs.count(st.text(1)) && !store.content().has(Digest::parse(st.text(1))))
      out.layer_snapshots.insert(st.text(0));
  return out;
}

// Bytes an unprivileged writer may still use on the filesystem holding `root`.
std::int64_t free_bytes(const fs::path& root) {
  struct statvfs vfs;
  if (::statvfs(root.c_str(), &vfs) != 0) return std::numeric_limits<std::int64_t>::max();
  return static_cast<std::int64_t>(vfs.f_bavail) * static_cast<std::int64_t>(vfs.f_frsize);
}

std::int64_t blob_size(Store& store, const std::string& digest) {
  struct stat st;
  return ::stat(store.content().path(Digest::parse(digest)).c_str(), &st) == 0
             ? static_cast<std::int64_t>(st.st_blocks) * 512
             : 0;
}

// Removes every blob but those in `keep`.
void remove_blobs_except(Store& store, const std::set<std::string>& keep, PruneReport& report) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(store.root() / "blobs" / "sha256", ec)) {
    std::string digest = "sha256:" + entry.path().filename().string();
    if (keep.count(digest)) continue;
    report.bytes += blob_size(store, digest);
    store.content().remove(Digest::parse(digest));
    ++report.blobs;
  }
}

// Removes the blobs that neither `keep` (the images' blobs) nor a remembered layer blob uses.
void remove_unused_blobs(Store& store, std::set<std::string> keep, PruneReport& report) {
  auto st = store.db().prepare("SELECT digest FROM layer_blobs");
  while (st.step()) keep.insert(st.text(0));
  remove_blobs_except(store, keep, report);
}

// Removes snapshots no record, unpacked layer or image uses, then blobs nothing uses.
PruneReport collect_unreachable(Store& store, const ImageHoldings& images, bool drop_unused_blobs) {
  PruneReport report;
  std::set<std::string> live = unpacked_layer_snapshots(store.db());
  live.insert(images.layer_snapshots.begin(), images.layer_snapshots.end());
  for (const auto& r : cache_records(store.db())) live.insert(r.layers.begin(), r.layers.end());
  auto sizes = snapshot_sizes(store.db());
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(store.root() / "snapshots", ec)) {
    std::string id = entry.path().filename().string();
    if (id.starts_with("staging-") || live.count(id)) continue;
    report.bytes += sizes.count(id) ? sizes[id] : directory_size(entry.path());
    store.snapshots().remove(id);
    ++report.snapshots;
  }
  {
    Database::Transaction tx(store.db());
    for (const auto& [id, size] : sizes)
      if (!live.count(id)) {
        store.db().prepare("DELETE FROM snapshots WHERE id = ?").bind(1, id).run();
        store.db().prepare("DELETE FROM layer_blobs WHERE snapshot = ?").bind(1, id).run();
      }
    tx.commit();
  }
  if (drop_unused_blobs) remove_unused_blobs(store, images.blobs, report);
  return report;
}

PruneReport prune_locked(Store& store, const PruneOptions& options) {
  auto records = cache_records(store.db());  // least recently used first
  auto sizes = snapshot_sizes(store.db());
  const ImageHoldings images = image_holdings(store);
  // Snapshots that dropping records does not free: images' layers, unpacked or built.
  auto held_by_images = unpacked_layer_snapshots(store.db());
  held_by_images.insert(images.layer_snapshots.begin(), images.layer_snapshots.end());
  const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));

  // How many records use each snapshot, and how big the build cache is.
  std::unordered_map<std::string, int> users;
  for (const auto& r : records)
    for (const auto& id : r.layers) ++users[id];
  std::int64_t cache_bytes = 0;
  for (const auto& [id, n] : users)
    if (!held_by_images.count(id)) cache_bytes += sizes[id];

  std::vector<std::string> doomed;
  for (const auto& r : records) {
    bool old_enough = !options.unused_for_seconds || now - r.last_used >= *options.unused_for_seconds;
    bool over_budget = options.keep_storage && cache_bytes > *options.keep_storage;
    bool selected = options.keep_storage ? (over_budget && old_enough)
                                         : (options.all || old_enough);
    if (!selected) continue;
    doomed.push_back(r.key);
    for (const auto& id : r.layers)
      if (--users[id] == 0 && !held_by_images.count(id)) cache_bytes -= sizes[id];
  }
  {
    Database::Transaction tx(store.db());
    for (const auto& key : doomed)
      store.db().prepare("DELETE FROM cache_results WHERE key = ?").bind(1, key).run();
    if (options.all) store.db().exec("DELETE FROM unpacked_layers");
    tx.commit();
  }
  PruneReport report = collect_unreachable(store, images, options.all);
  // A remembered layer blob no image uses is only the next export's head start: packed again then.
  if (options.unused_blobs) remove_blobs_except(store, images.blobs, report);
  report.records = static_cast<int>(doomed.size());
  if (options.all) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(store.root() / "cache-mounts", ec)) {
      // The lock a RUN step's lease holds on it (solver/cache_mount_lease.h): one in use is
      // kept, and one removed is locked until it is gone, so no step starts on it meanwhile.
      const fs::path lock_file = store.locks_dir() / ("cache-mount-" + entry.path().filename().string());
      const UniqueFd lock(::open(lock_file.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0600));
      if (!lock) throw_errno("open lock `" + lock_file.string() + "`");
      if (::flock(lock.get(), LOCK_EX | LOCK_NB) != 0) continue;
      report.bytes += directory_size(entry.path());
      fs::remove_all(entry.path(), ec);
    }
  }
  return report;
}

}  // namespace

namespace {

std::int64_t allocated(const struct stat& st) { return static_cast<std::int64_t>(st.st_blocks) * 512; }

// What the entries below `dir_fd` take (a COPY of 20,000 files is measured on a build's
// critical path). Entries that vanish or cannot be read count as nothing.
std::int64_t entries_size(int dir_fd, const std::string& what) {
  std::vector<DirectoryEntry> entries;
  try {
    entries = stat_directory(dir_fd, what);
  } catch (const Error&) {
    return 0;
  }
  std::int64_t total = 0;
  for (const auto& entry : entries) {
    if (entry.error != 0) continue;
    total += allocated(entry.st);
    if (!S_ISDIR(entry.st.st_mode)) continue;
    UniqueFd child(::openat(dir_fd, entry.name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (child) total += entries_size(child.get(), what + "/" + entry.name);
  }
  return total;
}

}  // namespace

std::int64_t directory_size(const fs::path& dir) {
  struct stat st;
  if (::lstat(dir.c_str(), &st) != 0) return 0;
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  return allocated(st) + (fd ? entries_size(fd.get(), dir.string()) : 0);
}

namespace {

enum class SnapshotKind { Temporary, ImageLayer, BaseLayer, BuildCache };

// What each snapshot directory holds, for disk_usage() and build_cache_entries() alike.
std::map<std::string, SnapshotKind> snapshot_kinds(Store& store, const ImageHoldings& images) {
  const auto base_layers = unpacked_layer_snapshots(store.db());
  std::map<std::string, SnapshotKind> kinds;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(store.root() / "snapshots", ec)) {
    std::string id = entry.path().filename().string();
    kinds[id] = id.starts_with("staging-")         ? SnapshotKind::Temporary
                : images.layer_snapshots.count(id) ? SnapshotKind::ImageLayer
                : base_layers.count(id)            ? SnapshotKind::BaseLayer
                                                   : SnapshotKind::BuildCache;
  }
  return kinds;
}

}  // namespace

DiskUsage disk_usage(Store& store) {
  DiskUsage u;
  const ImageHoldings images = image_holdings(store);
  for (const auto& [id, kind] : snapshot_kinds(store, images)) {
    std::int64_t& total = kind == SnapshotKind::Temporary    ? u.temporary
                          : kind == SnapshotKind::ImageLayer ? u.images
                          : kind == SnapshotKind::BaseLayer  ? u.layers
                                                             : u.build_cache;
    total += directory_size(store.root() / "snapshots" / id);
  }
  std::error_code ec;
  // What crashed processes left was removed when the store was opened: this is running work.
  for (const auto& entry : fs::directory_iterator(store.root() / "ingest", ec)) u.temporary += directory_size(entry);
  for (const auto& entry : fs::directory_iterator(store.root() / "tmp", ec)) {
    u.temporary += directory_size(entry);
    if (const auto pid = owner_of_temp_name(entry.path().filename().string(), ""))
      if (const auto beside = staged_beside(entry.path(), *pid)) u.temporary += directory_size(*beside);
  }
  for (const auto& entry : fs::directory_iterator(store.root() / "blobs" / "sha256", ec)) {
    std::string digest = "sha256:" + entry.path().filename().string();
    (images.blobs.count(digest) ? u.images : u.reclaimable_blobs) += blob_size(store, digest);
  }
  if (fs::exists(store.root() / "cache-mounts")) u.cache_mounts = directory_size(store.root() / "cache-mounts");
  u.build_cache_records = static_cast<int>(cache_records(store.db()).size());
  return u;
}

std::vector<BuildCacheEntry> build_cache_entries(Store& store) {
  const auto kinds = snapshot_kinds(store, image_holdings(store));
  std::map<std::string, BuildCacheEntry> entries;
  for (const auto& [id, kind] : kinds)
    if (kind == SnapshotKind::BuildCache) entries[id].id = id;
  const auto records = cache_records(store.db());
  std::map<std::string, std::string> parents;
  for (const auto& r : records) {
    for (std::size_t i = 1; i < r.layers.size(); ++i) parents.emplace(r.layers[i], r.layers[i - 1]);
    const auto kind = r.layers.empty() ? kinds.end() : kinds.find(r.layers.back());
    if (kind == kinds.end() || kind->second == SnapshotKind::Temporary) continue;
    BuildCacheEntry& e = entries[r.layers.back()];
    e.id = r.layers.back();
    e.created = e.usage_count == 0 ? r.created : std::min(e.created, r.created);
    e.last_used = std::max(e.last_used, r.last_used);
    // A step's result is recorded under two keys (its definition's and its content's): the
    // uses of the busier one are the snapshot's.
    e.usage_count = std::max(e.usage_count, r.use_count);
  }
  // A snapshot no record ends with (a step's result a later one replaced) has the times the
  // snapshot table keeps.
  auto times = store.db().prepare("SELECT id, created, last_used FROM snapshots");
  while (times.step()) {
    auto it = entries.find(times.text(0));
    if (it == entries.end() || it->second.usage_count > 0) continue;
    it->second.created = times.integer(1);
    it->second.last_used = times.integer(2);
  }
  std::vector<BuildCacheEntry> out;
  for (auto& [id, e] : entries) {
    e.shared = kinds.at(id) != SnapshotKind::BuildCache;
    e.size = directory_size(store.root() / "snapshots" / id);
    if (auto parent = parents.find(id); parent != parents.end()) e.parent = parent->second;
    out.push_back(std::move(e));
  }
  return out;
}

PruneReport prune(Store& store, const PruneOptions& options) {
  Store::ExclusiveLock lock(store);
  return prune_locked(store, options);
}

PruneReport collect_unused_blobs(Store& store) {
  Store::ExclusiveLock lock(store);
  PruneReport report;
  remove_unused_blobs(store, image_blobs(store), report);
  return report;
}

std::optional<PruneReport> collect_if_over(Store& store, std::int64_t cap_bytes) {
  auto st = store.db().prepare(
      "SELECT COALESCE(SUM(size), 0) FROM snapshots "
      "WHERE id NOT IN (SELECT snapshot FROM unpacked_layers)");
  st.step();
  std::int64_t cache_bytes = st.integer(0);
  // Short of space, what nothing uses goes even while the build cache is under the cap.
  const bool short_of_space = free_bytes(store.root()) < cap_bytes;
  if (cache_bytes <= cap_bytes && !short_of_space) return std::nullopt;
  if (!short_of_space) {
    // Over the cap, counting what images hold: those are not the build cache's to trim. (Only
    // to decide: prune_locked takes them again under the lock.)
    const auto sizes = snapshot_sizes(store.db());
    for (const auto& id : image_holdings(store).layer_snapshots)
      if (auto it = sizes.find(id); it != sizes.end()) cache_bytes -= it->second;
    if (cache_bytes <= cap_bytes) return std::nullopt;
  }
  auto lock = Store::ExclusiveLock::try_take(store);
  if (!lock) return std::nullopt;  // another gantry is busy on this store: next time
  return prune_locked(store, {.unused_blobs = true, .keep_storage = cap_bytes});
}

PruneReport remove_written_blobs(Store& store, const std::vector<Digest>& written) {
  PruneReport report;
  if (written.empty()) return report;
  auto lock = Store::ExclusiveLock::try_take(store);
  if (!lock) return report;
  const std::set<std::string> used = image_blobs(store);
  // A built layer's plain blob is its snapshot packed again: with the snapshot there, an image
  // that lists it does not need it (save and push pack it again).
  std::set<std::string> repackable;
  auto st = store.db().prepare("SELECT snapshot, digest FROM layer_blobs WHERE compression = 'uncompressed'");
  while (st.step())
    if (store.snapshots().exists(st.text(0))) repackable.insert(st.text(1));
  for (const Digest& blob : written) {
    if ((used.count(blob.str()) && !repackable.count(blob.str())) || !store.content().has(blob)) continue;
    report.bytes += blob_size(store, blob.str());
    store.content().remove(blob);
    ++report.blobs;
  }
  return report;
}

std::int64_t default_gc_cap(const fs::path& root) {
  constexpr std::int64_t kMax = 20'000'000'000;
  struct statvfs vfs;
  if (::statvfs(root.c_str(), &vfs) != 0) return kMax;
  std::int64_t tenth = static_cast<std::int64_t>(vfs.f_blocks) * static_cast<std::int64_t>(vfs.f_frsize) / 10;
  return std::min(tenth, kMax);
}

}  // namespace gantry::cache

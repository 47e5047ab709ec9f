#include "cache/store.h"

#include <unistd.h>

#include "base/error.h"
#include "cache/staging_beside.h"
#include "cache/temp_names.h"

namespace gantry::cache {

namespace fs = std::filesystem;

namespace {

fs::path create_root(const fs::path& root) {
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) throw Error("state directory `" + root.string() + "`: " + ec.message());
  return root;
}

// Every table the build engine keeps. IF NOT EXISTS makes opening idempotent and safe when
// several processes open a fresh root at once.
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS images (
  name TEXT PRIMARY KEY,
  manifest TEXT NOT NULL,
  updated INTEGER NOT NULL
);
-- Images no name points to any more (a rebuild or pull moved their tag): docker's dangling
-- images, kept until `gantry image prune`.
CREATE TABLE IF NOT EXISTS untagged_images (
  manifest TEXT PRIMARY KEY,
  untagged INTEGER NOT NULL
);
-- The digests registries know images by, docker's RepoDigests: `repository` (familiar, without
-- tag: "127.0.0.1:5000/team/app") has the image `manifest` of this store under `digest`, the
-- manifest a push stored or a pull fetched by tag (for an index, the index's digest).
CREATE TABLE IF NOT EXISTS repo_digests (
  repository TEXT NOT NULL,
  digest TEXT NOT NULL,
  manifest TEXT NOT NULL,
  PRIMARY KEY (repository, digest)
);
CREATE INDEX IF NOT EXISTS repo_digests_by_manifest ON repo_digests(manifest);
CREATE TABLE IF NOT EXISTS snapshots (
  id TEXT PRIMARY KEY,
  size INTEGER NOT NULL DEFAULT 0,
  created INTEGER NOT NULL,
  last_used INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS layer_blobs (
  snapshot TEXT NOT NULL,
  compression TEXT NOT NULL,
  diff_id TEXT NOT NULL,
  digest TEXT NOT NULL,
  size INTEGER NOT NULL,
  media_type TEXT NOT NULL,
  PRIMARY KEY (snapshot, compression)
);
CREATE TABLE IF NOT EXISTS unpacked_layers (
  diff_id TEXT PRIMARY KEY,
  snapshot TEXT NOT NULL
);
-- A compressed layer blob's uncompressed tar: its diff_id and size, once read through.
CREATE TABLE IF NOT EXISTS uncompressed_layers (
  blob TEXT PRIMARY KEY,
  diff_id TEXT NOT NULL,
  size INTEGER NOT NULL
);
-- Where a registry has a blob: the repositories of that registry a pull read it from or a push
-- wrote it to (registry/blob_sources.h), for cross-repository mounts on the next push.
CREATE TABLE IF NOT EXISTS registry_blob_sources (
  digest TEXT NOT NULL, registry TEXT NOT NULL, repository TEXT NOT NULL,
  PRIMARY KEY(digest, registry, repository)
);
-- A layer's content size (cache/layer_content_sizes.h), by diff_id. A store opened before this
-- table existed gains it empty here and measures its layers when they are first listed.
CREATE TABLE IF NOT EXISTS layer_content_sizes (
  diff_id TEXT PRIMARY KEY,
  size INTEGER NOT NULL
);
-- use_count: the builds that used the record, its making included (docker's UsageCount).
CREATE TABLE IF NOT EXISTS cache_results (
  key TEXT PRIMARY KEY,
  result TEXT NOT NULL,
  created INTEGER NOT NULL,
  last_used INTEGER NOT NULL,
  use_count INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS step_history (
  step TEXT PRIMARY KEY,
  parts TEXT NOT NULL
);
-- What a step read from the build context, entry by entry (solver/context_listing.h), at the
-- checksum it last had: a miss names the files that changed since.
CREATE TABLE IF NOT EXISTS step_context_listings (
  step TEXT NOT NULL,
  path TEXT NOT NULL,
  checksum TEXT NOT NULL,
  listing BLOB NOT NULL,
  PRIMARY KEY (step, path)
);
CREATE TABLE IF NOT EXISTS file_hashes (
  path TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  mtime_ns INTEGER NOT NULL,
  ctime_ns INTEGER NOT NULL,
  inode INTEGER NOT NULL,
  device INTEGER NOT NULL,
  hash TEXT NOT NULL
);
)sql";

// Raised with every change to kSchema: a database at this user_version has all of it.
constexpr int kSchemaVersion = 3;

bool has_column(Database& db, const std::string& table, const std::string& column) {
  Statement columns = db.prepare("SELECT 1 FROM pragma_table_info(?) WHERE name = ?");
  columns.bind(1, table).bind(2, column);
  return columns.step();
}

// Creates what the database lacks of kSchema, in one write transaction (BEGIN IMMEDIATE waits
// out other writers): gantry processes opening a fresh root at once would otherwise race
// statement by statement, and SQLite fails a statement whose snapshot another's commit made
// stale ("database is locked") without waiting. A store at the version takes no write lock.
void ensure_schema(Database& db) {
  auto version = [&] {
    Statement get = db.prepare("PRAGMA user_version");
    return get.step() ? get.integer(0) : 0;
  };
  if (version() == kSchemaVersion) return;
  Database::Transaction schema(db);
  db.exec(kSchema);
  // Version 3 counts a record's uses: a record of an older store has had one, its making.
  if (!has_column(db, "cache_results", "use_count"))
    db.exec("ALTER TABLE cache_results ADD COLUMN use_count INTEGER NOT NULL DEFAULT 1");
  db.exec("PRAGMA user_version=" + std::to_string(kSchemaVersion));
  schema.commit();
}

}  // namespace

Store::Store(fs::path root, Recovery recovery)
    : root_(create_root(root)),
      lock_(root_),
      content_(root_),
      snapshots_(root_ / "snapshots"),
      db_(root_ / "metadata.db"),
      images_(db_),
      uncompressed_layers_(db_),
      layer_content_sizes_(db_) {
  ensure_schema(db_);
  std::error_code ec;
  fs::create_directories(root_ / "tmp", ec);
  fs::create_directories(locks_dir(), ec);
  if (recovery == Recovery::Skip) return;
  content_.clean_ingest();
  snapshots_.clean_staging();
  for (const auto& entry : fs::directory_iterator(root_ / "tmp", ec))
    if (auto pid = owner_of_temp_name(entry.path().filename().string(), "");
        pid && !process_alive(*pid)) {
      if (const auto beside = staged_beside(entry.path(), *pid)) fs::remove_all(*beside, ec);
      fs::remove_all(entry, ec);
    }
}

Store::ExclusiveLock::ExclusiveLock(Store& store) : store_(&store) { store.lock_.make_exclusive(); }

std::optional<Store::ExclusiveLock> Store::ExclusiveLock::try_take(Store& store) {
  if (!store.lock_.try_make_exclusive()) return std::nullopt;
  return ExclusiveLock(&store);
}

Store::ExclusiveLock::~ExclusiveLock() {
  if (!store_) return;
  try {
    store_->lock_.make_shared();
  } catch (const std::exception&) {
    // flock does not fail on an open lock file; a destructor must not throw all the same.
  }
}

TempDir Store::scratch_dir() const {
  return TempDir(root_ / "tmp", std::to_string(::getpid()) + "-");
}

}  // namespace gantry::cache

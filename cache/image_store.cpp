#include "cache/image_store.h"

#include <ctime>

namespace gantry::cache {

namespace {

std::int64_t now() { return static_cast<std::int64_t>(std::time(nullptr)); }

// "team/app" of "team/app:1", "127.0.0.1:5000/app" of "127.0.0.1:5000/app:1" (a colon before
// the last slash is a port), and of "app@sha256:...".
std::string repository_of(const std::string& name) {
  std::string repository = name.substr(0, name.find('@'));
  const auto colon = repository.rfind(':');
  const auto slash = repository.rfind('/');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) repository.resize(colon);
  return repository;
}

}  // namespace

std::optional<Digest> ImageStore::find(const std::string& name) const {
  auto st = db_.prepare("SELECT manifest FROM images WHERE name = ?");
  st.bind(1, name);
  if (!st.step()) return std::nullopt;
  return Digest::parse(st.text(0));
}

void ImageStore::set(const std::string& name, const Digest& manifest) {
  // A rebuild that changed nothing names the same image again: no write at all.
  if (find(name) == manifest) return;
  Database::Transaction tx(db_);
  const auto previous = find(name);
  db_.prepare(
         "INSERT INTO images(name, manifest, updated) VALUES(?, ?, ?) "
         "ON CONFLICT(name) DO UPDATE SET manifest = excluded.manifest, updated = excluded.updated")
      .bind(1, name)
      .bind(2, manifest.str())
      .bind(3, now())
      .run();
  db_.prepare("DELETE FROM untagged_images WHERE manifest = ?").bind(1, manifest.str()).run();
  if (previous && *previous != manifest)
    db_.prepare(
           "INSERT OR IGNORE INTO untagged_images(manifest, untagged) SELECT ?, ? "
           "WHERE NOT EXISTS (SELECT 1 FROM images WHERE manifest = ?)")
        .bind(1, previous->str())
        .bind(2, now())
        .bind(3, previous->str())
        .run();
  tx.commit();
}

std::vector<std::string> ImageStore::remove(const std::string& name) {
  Database::Transaction tx(db_);
  const auto manifest = find(name);
  if (!manifest) return {};
  db_.prepare("DELETE FROM images WHERE name = ?").bind(1, name).run();
  std::vector<std::string> removed{name};
  bool named = false;                // another name points to the image
  bool named_in_repository = false;  // one of the same repository
  const std::string repository = repository_of(name);
  auto others = db_.prepare("SELECT name FROM images WHERE manifest = ?");
  others.bind(1, manifest->str());
  while (others.step()) {
    named = true;
    named_in_repository = named_in_repository || repository_of(others.text(0)) == repository;
  }
  if (!named_in_repository) {
    for (const auto& d : repo_digests(*manifest))
      if (!named || d.repository == repository) removed.push_back(d.str());
    if (named)
      db_.prepare("DELETE FROM repo_digests WHERE manifest = ? AND repository = ?")
          .bind(1, manifest->str())
          .bind(2, repository)
          .run();
    else
      db_.prepare("DELETE FROM repo_digests WHERE manifest = ?").bind(1, manifest->str()).run();
  }
  tx.commit();
  return removed;
}

std::vector<ImageEntry> ImageStore::list() const {
  std::vector<ImageEntry> out;
  auto st = db_.prepare("SELECT name, manifest, updated FROM images ORDER BY name");
  while (st.step())
    out.push_back({st.text(0), Digest::parse(st.text(1)), st.integer(2)});
  return out;
}

std::vector<ImageEntry> ImageStore::names_of(const Digest& manifest) const {
  std::vector<ImageEntry> out;
  auto st = db_.prepare("SELECT name, updated FROM images WHERE manifest = ? ORDER BY name");
  st.bind(1, manifest.str());
  while (st.step()) out.push_back({st.text(0), manifest, st.integer(1)});
  return out;
}

std::vector<ImageEntry> ImageStore::untagged() const {
  std::vector<ImageEntry> out;
  auto st = db_.prepare("SELECT manifest, untagged FROM untagged_images ORDER BY untagged, manifest");
  while (st.step()) out.push_back({"", Digest::parse(st.text(0)), st.integer(1)});
  return out;
}

void ImageStore::keep_untagged(const Digest& manifest) {
  db_.prepare(
         "INSERT OR IGNORE INTO untagged_images(manifest, untagged) SELECT ?, ? "
         "WHERE NOT EXISTS (SELECT 1 FROM images WHERE manifest = ?)")
      .bind(1, manifest.str())
      .bind(2, now())
      .bind(3, manifest.str())
      .run();
}

bool ImageStore::forget_untagged(const Digest& manifest) {
  Database::Transaction tx(db_);
  db_.prepare("DELETE FROM untagged_images WHERE manifest = ?").bind(1, manifest.str()).run();
  if (db_.changes() == 0) return false;
  db_.prepare("DELETE FROM repo_digests WHERE manifest = ?").bind(1, manifest.str()).run();
  tx.commit();
  return true;
}

void ImageStore::add_repo_digest(const std::string& name, const Digest& digest, const Digest& manifest) {
  db_.prepare(
         "INSERT INTO repo_digests(repository, digest, manifest) VALUES(?, ?, ?) "
         "ON CONFLICT(repository, digest) DO UPDATE SET manifest = excluded.manifest")
      .bind(1, repository_of(name))
      .bind(2, digest.str())
      .bind(3, manifest.str())
      .run();
}

std::vector<RepoDigest> ImageStore::repo_digests(const Digest& manifest) const {
  std::vector<RepoDigest> out;
  auto st = db_.prepare("SELECT repository, digest FROM repo_digests WHERE manifest = ? ORDER BY repository, digest");
  st.bind(1, manifest.str());
  while (st.step()) out.push_back({st.text(0), Digest::parse(st.text(1))});
  return out;
}

}  // namespace gantry::cache

#include "cache/image_store.h"

#include <ctime>

namespace gantry::cache {

namespace {

std::int64_t now() { return static_cast<std::int64_t>(std::time(nullptr)); }

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

bool ImageStore::remove(const std::string& name) {
  db_.prepare("DELETE FROM images WHERE name = ?").bind(1, name).run();
  return db_.changes() > 0;
}

std::vector<ImageEntry> ImageStore::list() const {
  std::vector<ImageEntry> out;
  auto st = db_.prepare("SELECT name, manifest, updated FROM images ORDER BY name");
  while (st.step())
    out.push_back({st.text(0), Digest::parse(st.text(1)), st.integer(2)});
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
  db_.prepare("DELETE FROM untagged_images WHERE manifest = ?").bind(1, manifest.str()).run();
  return db_.changes() > 0;
}

}  // namespace gantry::cache

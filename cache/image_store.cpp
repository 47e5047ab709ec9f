#include "cache/image_store.h"

#include <ctime>

namespace gantry::cache {

std::optional<Digest> ImageStore::find(const std::string& name) const {
  auto st = db_.prepare("SELECT manifest FROM images WHERE name = ?");
  st.bind(1, name);
  if (!st.step()) return std::nullopt;
  return Digest::parse(st.text(0));
}

void ImageStore::set(const std::string& name, const Digest& manifest) {
  db_.prepare(
         "INSERT INTO images(name, manifest, updated) VALUES(?, ?, ?) "
         "ON CONFLICT(name) DO UPDATE SET manifest = excluded.manifest, updated = excluded.updated")
      .bind(1, name)
      .bind(2, manifest.str())
      .bind(3, static_cast<std::int64_t>(std::time(nullptr)))
      .run();
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

}  // namespace gantry::cache

// Image names -> manifest digests. The manifests, configs and layers are blobs in the
// ContentStore; this is only the naming table (in the metadata database), so tagging and
// untagging are single atomic row updates.
//
// An image whose last name is moved to another image (a rebuild of `app:1`, a newer pull)
// stays in the store untagged, as docker keeps a "dangling" image, until it is forgotten
// (`gantry image prune`). Removing a name (rmi) removes the image with it when no other name
// points to it. The garbage collector keeps the blobs of named and untagged images alike.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/digest.h"
#include "cache/sqlite_db.h"

namespace gantry::cache {

struct ImageEntry {
  std::string name;  // familiar form, "hello:latest"; empty for an untagged image
  Digest manifest;
  std::int64_t updated = 0;  // unix seconds: named, or left untagged
};

class ImageStore {
 public:
  explicit ImageStore(Database& db) : db_(db) {}

  std::optional<Digest> find(const std::string& name) const;
  // Points `name` at `manifest`; the image it pointed to before becomes untagged when no other
  // name points to it.
  void set(const std::string& name, const Digest& manifest);
  bool remove(const std::string& name);
  std::vector<ImageEntry> list() const;  // sorted by name
  std::vector<ImageEntry> untagged() const;  // oldest first
  // Keeps an image that came in without a name (the load of an untagged archive) as untagged,
  // unless a name points to it: listed, and kept by the GC, until it is forgotten.
  void keep_untagged(const Digest& manifest);
  // Drops an untagged image (its blobs become garbage); false when it was not untagged.
  bool forget_untagged(const Digest& manifest);

 private:
  Database& db_;
};

}  // namespace gantry::cache

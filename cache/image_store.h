// Image names -> manifest digests. The manifests, configs and layers are blobs in the
// ContentStore; this is only the naming table (in the metadata database), so tagging and
// untagging are single atomic row updates.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/digest.h"
#include "cache/sqlite_db.h"

namespace gantry::cache {

struct ImageEntry {
  std::string name;  // familiar form, "hello:latest"
  Digest manifest;
  std::int64_t updated = 0;  // unix seconds
};

class ImageStore {
 public:
  explicit ImageStore(Database& db) : db_(db) {}

  std::optional<Digest> find(const std::string& name) const;
  void set(const std::string& name, const Digest& manifest);
  bool remove(const std::string& name);
  std::vector<ImageEntry> list() const;  // sorted by name

 private:
  Database& db_;
};

}  // namespace gantry::cache

// Which repositories of a registry are known to hold a blob (learned from pulls and pushes),
// so that a push to another repository of the same registry can ask for a cross-repository
// mount instead of uploading the bytes again. A stale row costs one refused mount, nothing more.
#pragma once

#include <string>
#include <vector>

#include "base/digest.h"
#include "cache/sqlite_db.h"

namespace gantry::registry {

class BlobSources {
 public:
  explicit BlobSources(cache::Database& db);  // a Store's: its schema has the table

  void record(const Digest& blob, const std::string& registry, const std::string& repository);
  std::vector<std::string> repositories(const Digest& blob, const std::string& registry);

 private:
  cache::Database& db_;
};

}  // namespace gantry::registry

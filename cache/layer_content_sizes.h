// The content size of each layer, by diff_id: the bytes docker's SIZE columns count for it
// (exporter/content_size.h has the rule). A fact about the uncompressed tar the diff_id names,
// recorded the first time an image listing or history measures the layer; a store made before
// this table measures each of its layers once, when first listed.
#pragma once

#include <cstdint>
#include <optional>

#include "base/digest.h"
#include "cache/sqlite_db.h"

namespace gantry::cache {

class LayerContentSizes {
 public:
  explicit LayerContentSizes(Database& db) : db_(db) {}

  std::optional<std::int64_t> find(const Digest& diff_id) const;
  void record(const Digest& diff_id, std::int64_t size);

 private:
  Database& db_;
};

}  // namespace gantry::cache

#include "cache/layer_content_sizes.h"

namespace gantry::cache {

std::optional<std::int64_t> LayerContentSizes::find(const Digest& diff_id) const {
  auto st = db_.prepare("SELECT size FROM layer_content_sizes WHERE diff_id = ?");
  st.bind(1, diff_id.str());
  if (!st.step()) return std::nullopt;
  return st.integer(0);
}

void LayerContentSizes::record(const Digest& diff_id, std::int64_t size) {
  db_.prepare("INSERT OR REPLACE INTO layer_content_sizes(diff_id, size) VALUES(?, ?)")
      .bind(1, diff_id.str())
      .bind(2, size)
      .run();
}

}  // namespace gantry::cache

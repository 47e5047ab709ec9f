#include "cache/uncompressed_layers.h"

namespace gantry::cache {

std::optional<UncompressedLayer> UncompressedLayers::find(const Digest& blob) const {
  auto st = db_.prepare("SELECT diff_id, size FROM uncompressed_layers WHERE blob = ?");
  st.bind(1, blob.str());
  if (!st.step()) return std::nullopt;
  return UncompressedLayer{Digest::parse(st.text(0)), st.integer(1)};
}

void UncompressedLayers::record(const Digest& blob, const UncompressedLayer& layer) {
  db_.prepare("INSERT OR REPLACE INTO uncompressed_layers(blob, diff_id, size) VALUES(?, ?, ?)")
      .bind(1, blob.str())
      .bind(2, layer.diff_id.str())
      .bind(3, layer.size)
      .run();
}

}  // namespace gantry::cache

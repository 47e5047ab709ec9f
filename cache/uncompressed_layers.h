// What compressed layer blobs hold: the diff_id of each one's uncompressed tar and that tar's
// size, recorded once its bytes were read through and hashed (a pull, a load, an unpack).
//
// An image config claims a diff_id for each layer; only reading the blob uncompressed proves
// it. A record here is a fact about the blob's bytes, true for as long as the digest names them,
// so a pull of an image whose blobs the store already checked need not decompress them again,
// and `images` can give any image the size of its layers uncompressed, however it came in.
#pragma once

#include <cstdint>
#include <optional>

#include "base/digest.h"
#include "cache/sqlite_db.h"

namespace gantry::cache {

struct UncompressedLayer {
  Digest diff_id;         // sha256 of the uncompressed tar
  std::int64_t size = 0;  // its bytes
};

class UncompressedLayers {
 public:
  explicit UncompressedLayers(Database& db) : db_(db) {}

  std::optional<UncompressedLayer> find(const Digest& blob) const;
  void record(const Digest& blob, const UncompressedLayer& layer);

 private:
  Database& db_;
};

}  // namespace gantry::cache

// Where a pull unpacks the layers it downloads, as their bytes arrive: when the pull ends the
// image is ready to run, and no layer was read a second time to check it or to unpack it.
//
// The pull asks begin() for each layer blob it is about to download (on its own thread, before
// any download starts); the Unpack it gets reads the blob's bytes from a socket on a thread of
// its own while the same bytes go into the content store. An Unpack is committed (on the pull's
// thread again) only once its blob's digest and its diff_id are proven; one that is destroyed
// uncommitted leaves nothing behind.
#pragma once

#include <memory>
#include <string>

#include "base/digest.h"
#include "cache/uncompressed_layers.h"
#include "exporter/layer.h"

namespace gantry::registry {

class LayerUnpack {
 public:
  virtual ~LayerUnpack() = default;
  // Unpacks the blob read from `fd` until its end and checks it is the diff_id begin() was
  // given; throws Error naming `label` otherwise (what was unpacked is then discarded).
  virtual cache::UncompressedLayer unpack(int fd, const std::string& label) = 0;
  // Keeps the unpacked layer as what `blob` holds (its bytes are in the content store now).
  virtual void commit(const exporter::LayerBlob& blob) = 0;
};

class LayerUnpacker {
 public:
  virtual ~LayerUnpacker() = default;
  // An unpack of the layer `diff_id`, or nullptr when the store has it unpacked already.
  virtual std::unique_ptr<LayerUnpack> begin(const Digest& diff_id) = 0;
};

}  // namespace gantry::registry

// A blob's bytes fed, as they arrive, to a LayerUnpack running on a thread of its own, through a
// socket pair: the download writes, the unpack reads until the download ends.
//
//   UnpackFeed feed(unpack, "layer sha256:...");
//   ... feed.write(bytes) for each piece ...
//   feed.close();    // the unpack sees the end and finishes
//   feed.result();   // what it unpacked, or its error
//
// Destroyed before close(), the feed closes its end and waits: the unpack sees a truncated
// archive and fails, leaving nothing.
#pragma once

#include <exception>
#include <string>
#include <string_view>
#include <thread>

#include "base/unique_fd.h"
#include "cache/uncompressed_layers.h"
#include "registry/layer_unpacker.h"

namespace gantry::registry {

class UnpackFeed {
 public:
  // Starts `unpack` on its thread; throws Error naming `label` when the socket pair cannot be made.
  UnpackFeed(LayerUnpack& unpack, std::string label);
  ~UnpackFeed();
  UnpackFeed(const UnpackFeed&) = delete;
  UnpackFeed& operator=(const UnpackFeed&) = delete;

  // Blocks while the unpack is behind. Once the unpack has stopped (it failed), the bytes are
  // dropped: result() gives its error.
  void write(std::string_view bytes);
  // The end of the bytes: waits for the unpack to finish.
  void close();
  // After close(): what the unpack read, or its error rethrown.
  const cache::UncompressedLayer& result() const;

 private:
  std::string label_;
  UniqueFd writer_;
  bool unpack_stopped_ = false;
  std::exception_ptr error_;
  cache::UncompressedLayer layer_;
  std::thread thread_;  // last: started once everything it uses exists
};

}  // namespace gantry::registry

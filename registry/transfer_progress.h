// What a pull or a push tells about an image's layers while it moves them, for a front end to
// show as it goes (`gantry daemon` streams docker's progress messages from it). Only layers are
// told of, not configs or manifests, as docker shows them. Called from the transfer's threads,
// several layers at once: an implementation guards what it shares. Each method does nothing
// unless overridden.
//
//   pull: present(L1)  started(L2, 900)  moved(L2, 300, 900) ... moved(L2, 900, 900)  finished(L2)
//   push: present(L1)  mounted(L2, "team/base")  started(L3, 900)  finished(L3)
#pragma once

#include <cstdint>
#include <string>

#include "base/digest.h"

namespace gantry::registry {

class TransferProgress {
 public:
  virtual ~TransferProgress() = default;
  // `layer` needs no moving: the store has it (pull), or the registry has it (push).
  virtual void present(const Digest& /*layer*/) {}
  // The registry linked `layer` from its repository `from` (push).
  virtual void mounted(const Digest& /*layer*/, const std::string& /*from*/) {}
  // `layer`, `size` bytes, begins to move.
  virtual void started(const Digest& /*layer*/, std::int64_t /*size*/) {}
  // `done` of its `size` bytes have arrived (pull).
  virtual void moved(const Digest& /*layer*/, std::int64_t /*done*/, std::int64_t /*size*/) {}
  // `layer` is all there: stored and checked (pull), or uploaded (push).
  virtual void finished(const Digest& /*layer*/) {}
};

}  // namespace gantry::registry

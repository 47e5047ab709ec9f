#include "registry/unpack_feed.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "base/error.h"

namespace gantry::registry {

namespace {

// A socket pair rather than a pipe: a write to an unpack that stopped fails with EPIPE under
// MSG_NOSIGNAL instead of raising SIGPIPE.
std::pair<UniqueFd, UniqueFd> socket_pair(const std::string& label) {
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    throw Error(label + ": cannot make a socket pair to unpack it: " + std::strerror(errno));
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

}  // namespace

UnpackFeed::UnpackFeed(LayerUnpack& unpack, std::string label) : label_(std::move(label)) {
  auto [reader, writer] = socket_pair(label_);
  writer_ = std::move(writer);
  thread_ = std::thread([this, &unpack, reader = std::move(reader)] {
    try {
      layer_ = unpack.unpack(reader.get(), label_);
    } catch (...) {
      error_ = std::current_exception();
    }
    // `reader` closes as the thread ends: a write still under way fails instead of blocking.
  });
}

UnpackFeed::~UnpackFeed() { close(); }

void UnpackFeed::write(std::string_view bytes) {
  while (!bytes.empty() && !unpack_stopped_) {
    const ssize_t n = ::send(writer_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      unpack_stopped_ = true;  // EPIPE: the unpack is over, and its error says why
      return;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

void UnpackFeed::close() {
  writer_.reset();
  if (thread_.joinable()) thread_.join();
}

const cache::UncompressedLayer& UnpackFeed::result() const {
  if (error_) std::rethrow_exception(error_);
  return layer_;
}

}  // namespace gantry::registry

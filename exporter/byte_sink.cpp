#include "exporter/byte_sink.h"

#include <unistd.h>

#include <cerrno>

#include "base/error.h"

namespace gantry::exporter {

void FdSink::write(const void* data, std::size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd_, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("write `" + name_.string() + "`");
    }
    p += n;
    size -= static_cast<std::size_t>(n);
  }
}

}  // namespace gantry::exporter

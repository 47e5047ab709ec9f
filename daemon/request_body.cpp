#include "daemon/request_body.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "base/error.h"
#include "daemon/api_error.h"

namespace gantry::daemon {

void spool_body(HttpRequest& request, const std::filesystem::path& path, const std::string& what,
                std::uint64_t max_bytes, const std::string& expected) {
  std::ofstream out(path, std::ios::binary);
  if (!out) throw_errno("open `" + path.string() + "` for writing");
  std::uint64_t received = 0;
  bool too_big = false;
  const bool complete = request.read_body([&](const char* data, std::size_t size) {
    received += size;
    if (received > max_bytes) {
      too_big = true;
      return false;
    }
    out.write(data, static_cast<std::streamsize>(size));
    return static_cast<bool>(out);
  });
  if (too_big) throw ApiError(413, what + ": more than " + std::to_string(max_bytes) + " bytes");
  if (!out) throw Error("write the " + what + " to `" + path.string() + "`: " + std::strerror(errno));
  if (!complete) throw UsageError(what + ": the client broke off while sending it");
  if (received == 0) throw UsageError(what + ": the request has no body (" + expected + ")");
  out.close();
}

}  // namespace gantry::daemon

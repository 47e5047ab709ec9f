#include "base/error.h"

#include <cerrno>
#include <cstring>

namespace gantry {

Error errno_error(const std::string& what, int err) {
  return Error(what + ": " + std::strerror(err));
}

void throw_errno(const std::string& what) { throw errno_error(what, errno); }

}  // namespace gantry

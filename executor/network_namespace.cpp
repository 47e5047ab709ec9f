#include "executor/network_namespace.h"

#include <fcntl.h>
#include <sched.h>

#include <exception>
#include <thread>

#include "base/error.h"
#include "executor/loopback.h"

namespace gantry::executor {

UniqueFd make_network_namespace() {
  UniqueFd namespace_fd;
  std::exception_ptr failure;
  std::thread maker([&] {
    try {
      if (::unshare(CLONE_NEWNET) != 0) throw_errno("create a network namespace");
      bring_up_loopback();
      namespace_fd.reset(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
      if (!namespace_fd) throw_errno("open the new network namespace");
    } catch (...) {
      failure = std::current_exception();
    }
  });
  maker.join();
  if (failure) std::rethrow_exception(failure);
  return namespace_fd;
}

}  // namespace gantry::executor

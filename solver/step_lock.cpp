#include "solver/step_lock.h"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>
#include <chrono>
#include <thread>

#include "base/error.h"
#include "solver/solver.h"

namespace gantry::solver {

StepLock::StepLock(const std::filesystem::path& locks_dir, const Digest& key, const std::atomic<bool>& cancel) {
  const std::filesystem::path file = locks_dir / key.hex().substr(0, 4);
  fd_ = UniqueFd(::open(file.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0600));
  if (!fd_) throw_errno("open lock `" + file.string() + "`");
  // Polled rather than blocking, so that Ctrl-C is not stuck behind another build's step.
  while (::flock(fd_.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) throw_errno("lock `" + file.string() + "`");
    if (cancel.load()) throw Cancelled();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace gantry::solver

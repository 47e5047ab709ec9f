#include "daemon/running_builds.h"

#include "daemon/api_error.h"

namespace gantry::daemon {

RunningBuilds::Entry::Entry(RunningBuilds& builds, std::function<void()> cancel) : builds_(builds) {
  std::lock_guard lock(builds_.mutex_);
  if (builds_.draining_) throw ApiError(503, "the daemon is shutting down");
  it_ = builds_.cancels_.insert(builds_.cancels_.end(), std::move(cancel));
}

RunningBuilds::Entry::~Entry() {
  std::lock_guard lock(builds_.mutex_);
  builds_.cancels_.erase(it_);
}

void RunningBuilds::cancel_all() {
  std::lock_guard lock(mutex_);
  draining_ = true;
  for (const auto& cancel : cancels_) cancel();
}

}  // namespace gantry::daemon

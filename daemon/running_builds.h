// The builds the daemon is running, so that a shutdown cancels them all and refuses new ones.
//
//   RunningBuilds::Entry entry(builds, [&job] { job.cancel(); });  // throws once draining
//   ...                                                              // removed when it ends
#pragma once

#include <functional>
#include <list>
#include <mutex>

namespace gantry::daemon {

class RunningBuilds {
 public:
  class Entry {
   public:
    // Throws ApiError 503 once cancel_all() was called.
    Entry(RunningBuilds& builds, std::function<void()> cancel);
    ~Entry();
    Entry(const Entry&) = delete;
    Entry& operator=(const Entry&) = delete;

   private:
    RunningBuilds& builds_;
    std::list<std::function<void()>>::iterator it_;
  };

  // Cancels every running build, and every build that starts from now on is refused.
  void cancel_all();

 private:
  std::mutex mutex_;
  bool draining_ = false;
  std::list<std::function<void()>> cancels_;
};

}  // namespace gantry::daemon

// Test fixture: a busybox root filesystem made from the host's static /bin/busybox (package
// busybox-static), with /etc/passwd and /etc/group that define a user `builder` (uid 1000),
// used as the lower layer, plus a fresh upper and work dir for each run.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "base/file_util.h"
#include "executor/executor.h"

namespace gantry::executor::testing {

class BusyboxRootfs {
 public:
  BusyboxRootfs();

  const std::filesystem::path& lower() const { return lower_; }
  // A RunSpec over a fresh upper dir (shell form `sh -c script`).
  RunSpec spec(const std::string& script);
  const std::filesystem::path& upper() const { return upper_; }
  const std::filesystem::path& state() const { return state_; }
  const std::filesystem::path& scratch() const { return dir_.path(); }

 private:
  TempDir dir_;
  std::filesystem::path lower_, upper_, state_;
  int runs_ = 0;
};

struct Output {
  std::vector<std::string> out, err;
  std::string all_out() const;
};

// Runs spec with a fresh Executor on `state` and collects the output.
RunResult run_collect(Executor& executor, const RunSpec& spec, Output& output);

}  // namespace gantry::executor::testing

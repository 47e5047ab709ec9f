// The engine's messages as the CLI shows them: one line each on stderr, warnings after
// "WARNING: ", whole lines even when bake's threads write at once. Broken build checks are kept
// and listed once the build is over, as buildx lists them:
//
//    2 warnings found (use gantry build --check to expand):
//    - FromAsCasing: 'as' and 'FROM' keywords' casing do not match (line 1)
//    - JSONArgsRecommended: JSON arguments recommended for CMD ... (line 3)
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "engine/messages.h"

namespace gantry::cli {

class StderrMessages : public engine::Messages {
 public:
  void info(const std::string& line) override;
  void warning(const std::string& line) override;
  void build_check(const frontend::CheckWarning& w) override;

  // Lists the build checks kept so far, if any, and forgets them.
  void print_build_checks();

 private:
  std::mutex mutex_;
  std::vector<std::string> build_checks_;  // short texts
};

}  // namespace gantry::cli

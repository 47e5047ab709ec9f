// The engine's messages as the CLI shows them: one line each on stderr, warnings after
// "WARNING: ", whole lines even when bake's threads write at once.
#pragma once

#include <mutex>
#include <string>

#include "engine/messages.h"

namespace gantry::cli {

class StderrMessages : public engine::Messages {
 public:
  void info(const std::string& line) override;
  void warning(const std::string& line) override;

 private:
  std::mutex mutex_;
};

}  // namespace gantry::cli

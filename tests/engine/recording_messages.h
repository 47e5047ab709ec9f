// An engine::Messages that keeps what it is told, for tests to compare.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "engine/messages.h"

namespace gantry::engine::testing {

class RecordingMessages : public Messages {
 public:
  void info(const std::string& line) override {
    std::lock_guard lock(mutex_);
    infos.push_back(line);
  }
  void warning(const std::string& line) override {
    std::lock_guard lock(mutex_);
    warnings.push_back(line);
  }

  std::vector<std::string> infos;
  std::vector<std::string> warnings;

 private:
  std::mutex mutex_;
};

}  // namespace gantry::engine::testing

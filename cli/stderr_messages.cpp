#include "cli/stderr_messages.h"

#include <iostream>

namespace gantry::cli {

void StderrMessages::info(const std::string& line) {
  std::lock_guard lock(mutex_);
  std::cerr << line << "\n";
}

void StderrMessages::warning(const std::string& line) {
  std::lock_guard lock(mutex_);
  std::cerr << "WARNING: " << line << "\n";
}

}  // namespace gantry::cli

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

namespace gantry::cli {

void StderrMessages::build_check(const frontend::CheckWarning& w) {
  std::lock_guard lock(mutex_);
  build_checks_.push_back(w.short_text());
}

void StderrMessages::print_build_checks() {
  std::lock_guard lock(mutex_);
  if (build_checks_.empty()) return;
  // buildx's wording, but for what expands the list: gantry's --check shows each with its lines.
  std::cerr << "\n " << build_checks_.size() << (build_checks_.size() == 1 ? " warning found" : " warnings found")
            << " (use gantry build --check to expand):\n";
  for (const std::string& line : build_checks_) std::cerr << " - " << line << "\n";
  build_checks_.clear();
}

}  // namespace gantry::cli

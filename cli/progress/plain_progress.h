// --progress=plain: one line per event, numbered per step as BuildKit numbers them
// ("#3 [2/4] RUN make", "#3 0.512 compiling...", "#3 DONE 1.2s"). Each event is written
// whole in one write under a lock, so lines from parallel steps never interleave half lines;
// a text of several lines gets the step prefix on each; output lines are never clipped.
// A step keeps the number it got at its first event.
#pragma once

#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>

#include "cli/progress/progress_display.h"

namespace gantry::cli {

class PlainProgress : public ProgressDisplay {
 public:
  explicit PlainProgress(std::FILE* out) : out_(out) {}
  void event(const solver::ProgressEvent& e) override;
  void note(const std::string& line) override;

 private:
  int number(const std::string& vertex);
  void write(const std::string& text);
  std::FILE* out_;
  std::mutex mu_;
  std::map<std::string, int> numbers_;
  std::map<std::string, std::chrono::steady_clock::time_point> started_;
};

}  // namespace gantry::cli

// --progress=plain: one line per event, numbered per step as BuildKit numbers them
// ("#3 [2/4] RUN make", "#3 0.512 compiling...", "#3 DONE 1.2s"), whole lines only, never
// clipped.
#pragma once

#include <cstdio>
#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "solver/solver.h"

namespace gantry::cli {

class PlainProgress : public solver::ProgressSink {
 public:
  explicit PlainProgress(std::FILE* out) : out_(out), start_(std::chrono::steady_clock::now()) {}
  void event(const solver::ProgressEvent& e) override;

 private:
  int number(const std::string& vertex);
  std::FILE* out_;
  std::chrono::steady_clock::time_point start_;
  std::mutex mu_;
  std::map<std::string, int> numbers_;
  std::map<std::string, std::chrono::steady_clock::time_point> started_;
};

// Prints nothing (--progress=quiet, -q).
class QuietProgress : public solver::ProgressSink {
 public:
  void event(const solver::ProgressEvent&) override {}
};

}  // namespace gantry::cli

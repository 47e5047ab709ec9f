// What a live display knows about a build: every visible step in the order it first appeared,
// whether it is running, cached, done or failed, when it started, and the last few lines of
// its output. Fed the solver's events with the time they arrived; not thread-safe (the display
// that owns it holds a lock).
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "solver/solver.h"

namespace gantry::cli {

using SteadyTime = std::chrono::steady_clock::time_point;

struct Step {
  enum class Status { Running, Cached, Done, Failed };
  int number = 0;  // 1-based, in order of first appearance
  std::string name;
  Status status = Status::Running;
  SteadyTime started;
  double seconds = 0;  // Done/Failed: as the solver measured it
  std::deque<std::string> tail;  // the last output lines, oldest first
  std::string error;
};

struct StepCounts {
  int total = 0, running = 0, cached = 0, done = 0, failed = 0;
};

class StepBoard {
 public:
  explicit StepBoard(std::size_t tail_lines) : tail_lines_(tail_lines) {}
  void apply(const solver::ProgressEvent& e, SteadyTime now);
  const std::vector<Step>& steps() const { return steps_; }
  StepCounts counts() const;
  int number_of(const std::string& vertex) const;  // 0 when the vertex was never seen

 private:
  Step& step(const solver::ProgressEvent& e, SteadyTime now);
  std::size_t tail_lines_;
  std::vector<Step> steps_;
  std::map<std::string, std::size_t> index_;  // vertex -> position in steps_
};

}  // namespace gantry::cli

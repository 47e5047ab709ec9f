// --progress=json: one JSON object per line on stdout for every event, for CI tools. The
// schema is documented in docs/progress-json.md; each object has "type", "time" (RFC 3339,
// UTC, milliseconds) and, for step events, "vertex" (the step's digest), "step" (its number,
// as plain progress numbers it) and "name".
#pragma once

#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/progress/progress_display.h"
#include "cli/progress/step_board.h"

namespace gantry::cli {

class JsonProgress : public ProgressDisplay {
 public:
  using WallClock = std::function<std::chrono::system_clock::time_point()>;
  explicit JsonProgress(std::FILE* out, WallClock clock = std::chrono::system_clock::now);
  ~JsonProgress() override;
  void event(const solver::ProgressEvent& e) override;
  void note(const std::string& line) override;
  void finish() override;

 private:
  void emit(nlohmann::json object);  // with mu_ held
  std::FILE* out_;
  WallClock clock_;
  std::chrono::system_clock::time_point start_;
  std::mutex mu_;
  StepBoard board_{0};  // numbers the steps and counts them for the summary
  bool finished_ = false;
};

// "2024-05-01T12:00:00.123Z"
std::string rfc3339_millis(std::chrono::system_clock::time_point t);

}  // namespace gantry::cli

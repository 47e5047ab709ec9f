#include "cli/progress/json_progress.h"

#include <ctime>

namespace gantry::cli {

using nlohmann::json;

std::string rfc3339_millis(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms % 1000));
  return buf;
}

JsonProgress::JsonProgress(std::FILE* out, WallClock clock)
    : out_(out), clock_(std::move(clock)), start_(clock_()) {}

JsonProgress::~JsonProgress() { finish(); }

void JsonProgress::emit(json object) {
  object["time"] = rfc3339_millis(clock_());
  std::string line = object.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

void JsonProgress::event(const solver::ProgressEvent& e) {
  using Kind = solver::ProgressEvent::Kind;
  std::lock_guard lock(mu_);
  board_.apply(e, std::chrono::steady_clock::now());
  json o;
  switch (e.kind) {
    case Kind::Started: o["type"] = "started"; break;
    case Kind::Cached: o["type"] = "cached"; break;
    case Kind::Log: o["type"] = "log"; break;
    case Kind::Done: o["type"] = "done"; break;
    case Kind::Error: o["type"] = "error"; break;
  }
  o["vertex"] = e.vertex;
  o["step"] = board_.number_of(e.vertex);
  o["name"] = e.description;
  if (!e.location.empty()) o["location"] = e.location;
  switch (e.kind) {
    case Kind::Started:
      if (!e.text.empty()) o["cache_miss_reason"] = e.text;
      break;
    case Kind::Log:
      o["stream"] = e.stream == executor::Stream::Stderr ? "stderr" : "stdout";
      o["data"] = e.text;
      break;
    case Kind::Done: o["duration"] = e.seconds; break;
    case Kind::Error:
      o["duration"] = e.seconds;
      o["error"] = e.text;
      break;
    case Kind::Cached: break;
  }
  emit(std::move(o));
}

void JsonProgress::note(const std::string& line) {
  std::lock_guard lock(mu_);
  emit({{"type", "message"}, {"data", line}});
}

void JsonProgress::finish() {
  std::lock_guard lock(mu_);
  if (finished_) return;
  finished_ = true;
  const StepCounts c = board_.counts();
  emit({{"type", "summary"},
        {"duration", std::chrono::duration<double>(clock_() - start_).count()},
        {"steps", c.total},
        {"cached", c.cached},
        {"failed", c.failed},
        {"success", c.failed == 0 && c.running == 0}});
}

}  // namespace gantry::cli

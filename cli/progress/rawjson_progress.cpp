#include "cli/progress/rawjson_progress.h"

#include <ctime>

#include "base/base64.h"
#include "base/digest.h"

namespace gantry::cli {

using nlohmann::ordered_json;

std::string rfc3339_nanos(std::chrono::system_clock::time_point t) {
  const auto ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[48];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out(buf, n);
  if (const auto fraction = ns % 1'000'000'000; fraction != 0) {
    std::snprintf(buf, sizeof buf, ".%09lld", static_cast<long long>(fraction));
    std::string digits = buf;
    digits.erase(digits.find_last_not_of('0') + 1);
    out += digits;
  }
  return out + "Z";
}

RawJsonProgress::RawJsonProgress(std::FILE* out, WallClock clock)
    : out_(out), clock_(std::move(clock)) {}

RawJsonProgress::~RawJsonProgress() { finish(); }

void RawJsonProgress::emit(const ordered_json& status) {
  std::string line = status.dump(-1, ' ', false, ordered_json::error_handler_t::replace) + "\n";
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

ordered_json& RawJsonProgress::vertex(const solver::ProgressEvent& e, const std::string& now) {
  auto [it, fresh] = vertices_.try_emplace(e.vertex);
  if (fresh) {
    ordered_json& v = it->second;
    v["digest"] = "sha256:" + e.vertex;
    if (!e.inputs.empty()) {
      v["inputs"] = ordered_json::array();
      for (const auto& input : e.inputs) v["inputs"].push_back("sha256:" + input);
    }
    if (!e.description.empty()) v["name"] = e.description;
    v["started"] = now;
  }
  return it->second;
}

void RawJsonProgress::event(const solver::ProgressEvent& e) {
  using Kind = solver::ProgressEvent::Kind;
  std::lock_guard lock(mu_);
  const std::string now = rfc3339_nanos(clock_());
  if (e.kind == Kind::Log) {
    // BuildKit sends the bytes as the step wrote them; the solver hands over whole lines.
    const int stream = e.stream == executor::Stream::Stderr ? 2 : 1;
    emit({{"logs", ordered_json::array({{{"vertex", "sha256:" + e.vertex},
                                         {"stream", stream},
                                         {"data", base64_encode(e.text + "\n")},
                                         {"timestamp", now}}})}});
    return;
  }
  ordered_json& v = vertex(e, now);
  switch (e.kind) {
    case Kind::Started:
      break;
    case Kind::Cached:
      v["completed"] = now;
      v["cached"] = true;
      break;
    case Kind::Done:
      v["completed"] = now;
      break;
    case Kind::Error:
      v["completed"] = now;
      if (!e.text.empty()) v["error"] = e.text;
      break;
    case Kind::Log:
      break;
  }
  emit({{"vertexes", ordered_json::array({v})}});
}

void RawJsonProgress::note(const std::string& line) { exported(line); }

void RawJsonProgress::begin_target(const std::string&) {
  // BuildKit exports each build on its own vertex: the target's statuses go on a fresh one.
  std::lock_guard lock(mu_);
  close_exporting(rfc3339_nanos(clock_()));
}

void RawJsonProgress::image_written(const std::string& id) { exported("writing image " + id); }

void RawJsonProgress::image_named(const std::string& tag) { exported("naming to " + tag); }

void RawJsonProgress::exported(const std::string& id) {
  std::lock_guard lock(mu_);
  const std::string now = rfc3339_nanos(clock_());
  if (exporting_.is_null()) {
    // BuildKit names its exporter's vertex by a random digest; this one is unique per export.
    exporting_["digest"] =
        sha256_of("exporting to image " + now + " " + std::to_string(++exports_opened_)).str();
    exporting_["name"] = "exporting to image";
    exporting_["started"] = now;
    emit({{"vertexes", ordered_json::array({exporting_})}});
  }
  emit({{"statuses", ordered_json::array({{{"id", id},
                                           {"vertex", exporting_["digest"]},
                                           {"current", 0},
                                           {"timestamp", now},
                                           {"started", now},
                                           {"completed", now}}})}});
}

void RawJsonProgress::close_exporting(const std::string& now) {
  if (exporting_.is_null()) return;
  exporting_["completed"] = now;
  emit({{"vertexes", ordered_json::array({exporting_})}});
  exporting_ = nullptr;
}

void RawJsonProgress::finish() {
  std::lock_guard lock(mu_);
  if (finished_) return;
  finished_ = true;
  close_exporting(rfc3339_nanos(clock_()));
}

}  // namespace gantry::cli

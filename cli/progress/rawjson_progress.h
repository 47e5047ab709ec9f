// --progress=rawjson: BuildKit's own progress stream, as `docker buildx build --progress=rawjson`
// prints it, for tools written against BuildKit. One JSON object per line on stderr, each a
// BuildKit SolveStatus holding what just changed:
//
//   {"vertexes":[{"digest":"sha256:…","inputs":["sha256:…"],"name":"[2/2] RUN make",
//                 "started":"2024-05-01T12:00:00.012345678Z","completed":"…","cached":true,
//                 "error":"…"}]}
//   {"logs":[{"vertex":"sha256:…","stream":1,"data":"aGkK","timestamp":"…"}]}
//   {"statuses":[{"id":"writing image sha256:…","vertex":"sha256:…","name":"…","current":0,
//                 "timestamp":"…","started":"…","completed":"…"}]}
//
// A vertex is sent whole each time it changes (started, then completed, cached or failed).
// Log data is the bytes of one line of output with its newline, base64 as Go encodes []byte;
// stream 1 is stdout, 2 stderr. The build's closing facts (image written, image named) are the
// completed statuses "writing image sha256:…" and "naming to NAME" of a vertex "exporting to
// image", as BuildKit's image exporter reports them; bake opens one such vertex per target. Times
// are Go's time.Time in JSON (RFC 3339 with up to nine fraction digits, UTC). Keys with empty
// values are left out, as Go's omitempty does. No "warnings": gantry's warnings go to stderr as
// "WARNING: " lines, as buildx prints its own.
#pragma once

#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/progress/progress_display.h"

namespace gantry::cli {

class RawJsonProgress : public ProgressDisplay {
 public:
  using WallClock = std::function<std::chrono::system_clock::time_point()>;
  explicit RawJsonProgress(std::FILE* out, WallClock clock = std::chrono::system_clock::now);
  ~RawJsonProgress() override;
  void event(const solver::ProgressEvent& e) override;
  // Any other note is a completed status of its own.
  void note(const std::string& line) override;
  void begin_target(const std::string& target) override;
  void image_written(const std::string& id) override;
  void image_named(const std::string& tag) override;
  void finish() override;

 private:
  // A completed status of the exporting vertex, opening that vertex first if none is open.
  void exported(const std::string& id);
  // Sends the open exporting vertex completed (with mu_ held); the next status opens another.
  void close_exporting(const std::string& now);
  // One SolveStatus line (with mu_ held).
  void emit(const nlohmann::ordered_json& status);
  // The vertex object as last sent, made (and marked started now) on its first event.
  nlohmann::ordered_json& vertex(const solver::ProgressEvent& e, const std::string& now);

  std::FILE* out_;
  WallClock clock_;
  std::mutex mu_;
  std::map<std::string, nlohmann::ordered_json> vertices_;  // by the events' vertex
  nlohmann::ordered_json exporting_;                        // the open exporting vertex, or null
  int exports_opened_ = 0;
  bool finished_ = false;
};

// A time as Go's time.Time marshals to JSON in UTC: "2024-05-01T12:00:00.1234Z", the fraction's
// trailing zeros cut, and no fraction at all on a whole second.
std::string rfc3339_nanos(std::chrono::system_clock::time_point t);

}  // namespace gantry::cli

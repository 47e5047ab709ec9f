#include "daemon/classic_build_output.h"

#include <cstdio>
#include <nlohmann/json.hpp>

namespace gantry::daemon {

using nlohmann::json;

namespace {

// dockerd ends every message with CRLF; JSON decoders skip it.
std::string message(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace) + "\r\n";
}

}  // namespace

std::string classic_step_line(const std::string& description) {
  const auto close = description.find("] ");
  if (!description.starts_with("[") || close == std::string::npos) return description;
  const std::string step = description.substr(1, close - 1);
  if (step.find('/') == std::string::npos) return description;
  return "Step " + step + " : " + description.substr(close + 2);
}

void ClassicBuildOutput::stream(const std::string& text) {
  out_.write(message({{"stream", text}}));
}

void ClassicBuildOutput::event(const solver::ProgressEvent& e) {
  if (quiet_) return;
  using Kind = solver::ProgressEvent::Kind;
  switch (e.kind) {
    case Kind::Started:
      stream(classic_step_line(e.description) + "\n");
      break;
    case Kind::Cached:
      stream(classic_step_line(e.description) + "\n ---> Using cache\n");
      break;
    case Kind::Log:
      stream(e.text + "\n");
      break;
    case Kind::Done: {
      char seconds[32];
      std::snprintf(seconds, sizeof seconds, "%.1f", e.seconds);
      stream(std::string(" ---> Done in ") + seconds + "s\n");
      break;
    }
    case Kind::Error:
      break;  // the build's error message closes the stream
  }
}

void ClassicBuildOutput::info(const std::string& line) {
  if (!quiet_) stream(line + "\n");
}

void ClassicBuildOutput::warning(const std::string& line) {
  if (!quiet_) stream("WARNING: " + line + "\n");
}

void ClassicBuildOutput::built(const exporter::ImageRecord& image,
                               const std::vector<std::string>& tags) {
  out_.write(message({{"aux", {{"ID", image.config.str()}}}}));
  if (quiet_) {
    stream(image.config.str() + "\n");
    return;
  }
  stream("Successfully built " + image.config.short_hex() + "\n");
  for (const auto& t : tags) stream("Successfully tagged " + t + "\n");
}

void ClassicBuildOutput::failed(const std::string& text) {
  out_.write(message({{"errorDetail", {{"message", text}, {"code", 1}}}, {"error", text}}));
}

}  // namespace gantry::daemon

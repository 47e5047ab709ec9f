#include "daemon/progress_messages.h"

namespace gantry::daemon {

using nlohmann::json;

namespace {

// How many byte counts a layer's transfer sends at most.
constexpr std::int64_t kProgressSteps = 50;

}  // namespace

const LayerWords kPullWords{"Already exists", "Pulling fs layer", "Downloading", "Pull complete"};
const LayerWords kPushWords{"Layer already exists", "Pushing", "Pushing", "Pushed"};

std::string progress_message(const json& message) {
  return message.dump(-1, ' ', false, json::error_handler_t::replace) + "\r\n";
}

void ProgressMessages::status(const std::string& text) {
  out_.write(progress_message({{"status", text}}));
}

void ProgressMessages::status(const std::string& text, const std::string& id) {
  out_.write(progress_message({{"status", text}, {"progressDetail", json::object()}, {"id", id}}));
}

void ProgressMessages::progress(const std::string& text, const std::string& id,
                                std::int64_t current, std::int64_t total) {
  out_.write(progress_message({{"status", text},
                               {"progressDetail", {{"current", current}, {"total", total}}},
                               {"id", id}}));
}

void ProgressMessages::aux(json value) {
  out_.write(progress_message({{"progressDetail", json::object()}, {"aux", std::move(value)}}));
}

void ProgressMessages::error(const std::string& text) {
  out_.write(progress_message({{"errorDetail", {{"message", text}}}, {"error", text}}));
}

void LayerProgressMessages::present(const Digest& layer) {
  out_.status(words_.present, layer.short_hex());
}

void LayerProgressMessages::mounted(const Digest& layer, const std::string& from) {
  out_.status("Mounted from " + from, layer.short_hex());
}

void LayerProgressMessages::started(const Digest& layer, std::int64_t /*size*/) {
  {
    std::lock_guard lock(mutex_);
    steps_sent_[layer] = 0;
  }
  out_.status(words_.started, layer.short_hex());
}

void LayerProgressMessages::moved(const Digest& layer, std::int64_t done, std::int64_t size) {
  const std::int64_t step = size > 0 ? done * kProgressSteps / size : kProgressSteps;
  {
    std::lock_guard lock(mutex_);
    std::int64_t& sent = steps_sent_[layer];
    if (step <= sent) return;
    sent = step;
  }
  out_.progress(words_.moving, layer.short_hex(), done, size);
}

void LayerProgressMessages::finished(const Digest& layer) {
  out_.status(words_.finished, layer.short_hex());
}

}  // namespace gantry::daemon

#include "daemon/image_events.h"

#include "exporter/json_fields.h"

namespace gantry::daemon {

using nlohmann::json;

json config_labels(const json& config) {
  return exporter::object_member(exporter::object_member(config, "config"), "Labels");
}

json event_json(const ImageEvent& event) {
  return {{"status", event.action},
          {"id", event.id},
          {"Type", "image"},
          {"Action", event.action},
          {"Actor", {{"ID", event.id}, {"Attributes", event.attributes}}},
          {"scope", "local"},
          {"time", event.time_nano / 1'000'000'000},
          {"timeNano", event.time_nano}};
}

void ImageEvents::publish(const std::string& action, const std::string& id, const std::string& name,
                          const json& labels) {
  ImageEvent event{.action = action, .id = id};
  if (labels.is_object())
    for (const auto& [key, value] : labels.items())
      if (value.is_string()) event.attributes[key] = value.get<std::string>();
  if (!name.empty()) event.attributes["name"] = name;
  event.time_nano = std::chrono::duration_cast<std::chrono::nanoseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
  {
    std::lock_guard lock(mutex_);
    kept_.push_back(std::move(event));
    if (kept_.size() > kKept) kept_.pop_front();
    ++end_;
  }
  published_.notify_all();
}

void ImageEvents::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  published_.notify_all();
}

ImageEvents::Subscription::Subscription(ImageEvents& events, bool replay) : events_(events) {
  std::lock_guard lock(events.mutex_);
  next_ = replay ? events.end_ - events.kept_.size() : events.end_;
}

std::optional<ImageEvent> ImageEvents::Subscription::next(std::chrono::milliseconds wait) {
  std::unique_lock lock(events_.mutex_);
  if (!events_.published_.wait_for(lock, wait,
                                   [this] { return events_.closed_ || next_ < events_.end_; }) ||
      events_.closed_)
    return std::nullopt;
  // A subscriber that fell more than kKept behind has missed the oldest: it goes on from the
  // oldest kept, as dockerd drops events for a slow subscriber.
  const std::uint64_t first = events_.end_ - events_.kept_.size();
  if (next_ < first) next_ = first;
  return events_.kept_[next_++ - first];
}

bool ImageEvents::Subscription::closed() {
  std::lock_guard lock(events_.mutex_);
  return events_.closed_;
}

}  // namespace gantry::daemon

// The daemon's image events, as docker's GET /events streams them (Type "image"): what the
// routes did to the local store (pull, push, tag, untag, delete, load, save, import), published
// as each is done. The last kKept are kept for a client asking for events since a time, as
// dockerd keeps its last 256.
//
//   ImageEvents events;                          // one, owned by the Daemon
//   events.publish("tag", config_id, "app:v2", labels);
//   ImageEvents::Subscription s(events, true);   // the kept events, then every new one
//   while (auto e = s.next(200ms)) ...           // nothing after 200ms, or once closed()
//   events.close();                              // (shutdown) every subscription ends
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace gantry::daemon {

struct ImageEvent {
  std::string action;  // "tag", "pull", ...
  std::string id;      // the image id, or the reference pulled or pushed, as dockerd names it
  std::map<std::string, std::string> attributes;  // the image's labels and "name"
  std::int64_t time_nano = 0;                     // unix nanoseconds
};

// dockerd's events.Message for API 1.41: Type, Action, Actor, scope, time, timeNano, and the
// older status and id an image event still carries.
nlohmann::json event_json(const ImageEvent& event);

// An image config's labels (config.Labels), for publish(): an empty object when it has none.
nlohmann::json config_labels(const nlohmann::json& config);

class ImageEvents {
 public:
  static constexpr std::size_t kKept = 256;

  // Stamps the event with the time now and hands it to every subscription. `labels` (the
  // image config's) become attributes; `name`, when not empty, the "name" one.
  void publish(const std::string& action, const std::string& id, const std::string& name,
               const nlohmann::json& labels = nullptr);
  // Ends every subscription's next() with nothing, now and from now on.
  void close();

  class Subscription {
   public:
    // With `replay`, the kept events come first; else only those published from now on.
    Subscription(ImageEvents& events, bool replay);
    // The next event, or nothing when none came within `wait` or the events were closed.
    std::optional<ImageEvent> next(std::chrono::milliseconds wait);
    bool closed();

   private:
    ImageEvents& events_;
    std::uint64_t next_ = 0;  // the sequence number of the event to hand out next
  };

 private:
  std::mutex mutex_;
  std::condition_variable published_;
  std::deque<ImageEvent> kept_;
  std::uint64_t end_ = 0;  // sequence number of the next event published; kept_ ends there
  bool closed_ = false;
};

}  // namespace gantry::daemon

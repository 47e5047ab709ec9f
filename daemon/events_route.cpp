// GET /events: the daemon's image events as dockerd streams them, one JSON message a line.
// Without since or until only new events come, for as long as the client stays; with since, the
// kept events from that time come first; with until, the stream ends at that time (at once
// when it is past). The daemon's shutdown ends every stream.
#include <chrono>
#include <memory>

#include "daemon/api_router.h"
#include "daemon/event_params.h"
#include "daemon/image_events.h"

namespace gantry::daemon {

namespace {

// How long a stream waits for an event before it looks whether its client is still there.
constexpr auto kClientCheckInterval = std::chrono::milliseconds(200);

std::int64_t now_nanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void stream_events(ImageEvents::Subscription& subscription, const EventParams& params,
                   bool only_past, ResponseStream& out) {
  using namespace std::chrono_literals;
  for (;;) {
    const auto event = subscription.next(only_past ? 0ms : kClientCheckInterval);
    if (!event) {
      if (only_past || subscription.closed() || !out.client_connected()) return;
      if (params.until && now_nanos() > *params.until) return;
      continue;
    }
    if (params.since && event->time_nano < *params.since) continue;
    // Past until: a live stream is over; a replay drains what is left of the kept events.
    if (params.until && event->time_nano > *params.until) {
      if (only_past) continue;
      return;
    }
    if (!params.filter.matches(*event)) continue;
    if (!out.write(
            event_json(*event).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
            "\n"))
      return;
  }
}

}  // namespace

HttpResponse events(ImageEvents& events, const HttpRequest& request) {
  auto params = std::make_shared<const EventParams>(parse_event_params(request));
  // Subscribed now, before the response starts, so that nothing published meanwhile is missed.
  auto subscription =
      std::make_shared<ImageEvents::Subscription>(events, params->since || params->until);
  const bool only_past = params->until && *params->until < now_nanos();
  return {.stream = [subscription, params, only_past](ResponseStream& out) {
    stream_events(*subscription, *params, only_past, out);
  }};
}

}  // namespace gantry::daemon

// GET /events' parameters, read as dockerd reads them:
//   since, until   unix time "SECONDS[.NANOSECONDS]" (docker's CLI turns its dates and
//                  durations into that before sending them)
//   filters        type (image: gantry has no other events), event (an action), image (an id or
//                  name, with or without its tag), label (KEY or KEY=VALUE), scope (local).
// Any other filter is a UsageError naming it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "daemon/http_server.h"
#include "daemon/image_events.h"

namespace gantry::daemon {

class EventFilter {
 public:
  // The filters parameter's JSON. Throws UsageError.
  static EventFilter parse(const std::string& filters);
  bool matches(const ImageEvent& event) const;

 private:
  // Each filter key with its values; a key absent lets every event through.
  bool exact(const std::string& key, const std::string& value) const;
  std::map<std::string, std::set<std::string>> values_;
};

struct EventParams {
  std::optional<std::int64_t> since;  // unix nanoseconds
  std::optional<std::int64_t> until;
  EventFilter filter;
};

// Throws UsageError naming a parameter gantry does not take or a malformed one, or an until
// before since.
EventParams parse_event_params(const HttpRequest& request);

// "SECONDS[.NANOSECONDS]" as unix nanoseconds; throws UsageError naming `name`.
std::int64_t parse_unix_timestamp(const std::string& value, const std::string& name);

}  // namespace gantry::daemon

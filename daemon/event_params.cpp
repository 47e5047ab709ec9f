#include "daemon/event_params.h"

#include "base/error.h"
#include "base/image_ref.h"
#include "daemon/route_params.h"

namespace gantry::daemon {

namespace {

// An image name as dockerd's image filter also compares it: its familiar repository, without
// tag or digest ("busybox" of "docker.io/library/busybox:latest"). Anything else (an id) as it is.
std::string without_tag(const std::string& image) {
  try {
    ImageRef ref = ImageRef::parse(image);
    ref.tag.clear();
    ref.digest.reset();
    return ref.familiar();
  } catch (const UsageError&) {
    return image;
  }
}

}  // namespace

EventFilter EventFilter::parse(const std::string& filters) {
  EventFilter filter;
  for (auto& [key, values] : filter_values(filters, "GET /events")) {
    if (key != "type" && key != "event" && key != "image" && key != "label" && key != "scope")
      throw UsageError("GET /events: the filter `" + key +
                       "` is not one gantry supports (type, event, image, label, scope): gantry "
                       "has image events only");
    filter.values_[key].insert(values.begin(), values.end());
  }
  return filter;
}

bool EventFilter::exact(const std::string& key, const std::string& value) const {
  const auto it = values_.find(key);
  return it == values_.end() || it->second.contains(value);
}

bool EventFilter::matches(const ImageEvent& event) const {
  if (!exact("type", "image") || !exact("event", event.action) || !exact("scope", "local"))
    return false;
  if (values_.contains("image")) {
    const auto name = event.attributes.find("name");
    const std::string image_name = name == event.attributes.end() ? "" : name->second;
    const auto& images = values_.at("image");
    if (!images.contains(event.id) && !images.contains(image_name) &&
        !images.contains(without_tag(event.id)) && !images.contains(without_tag(image_name)))
      return false;
  }
  if (const auto labels = values_.find("label"); labels != values_.end())
    for (const auto& label : labels->second) {
      const auto eq = label.find('=');
      const auto it = event.attributes.find(label.substr(0, eq));
      if (it == event.attributes.end()) return false;
      if (eq != std::string::npos && it->second != label.substr(eq + 1)) return false;
    }
  return true;
}

std::int64_t parse_unix_timestamp(const std::string& value, const std::string& name) {
  const auto dot = value.find('.');
  const std::string seconds = value.substr(0, dot);
  const std::string fraction = dot == std::string::npos ? "" : value.substr(dot + 1);
  auto digits = [](const std::string& s) {
    return s.find_first_not_of("0123456789") == std::string::npos;
  };
  if (seconds.empty() || seconds.size() > 12 || !digits(seconds) || fraction.size() > 9 ||
      !digits(fraction) || (dot != std::string::npos && fraction.empty()))
    throw UsageError("GET /events: " + name + " `" + value +
                     "` is not a unix time SECONDS[.NANOSECONDS]");
  std::int64_t nanos = 0;
  for (std::size_t i = 0; i < 9; ++i)
    nanos = nanos * 10 + (i < fraction.size() ? fraction[i] - '0' : 0);
  return std::stoll(seconds) * 1'000'000'000 + nanos;
}

EventParams parse_event_params(const HttpRequest& request) {
  check_params(request, "GET /events", {"since", "until", "filters"});
  EventParams params{.filter = EventFilter::parse(request.param("filters").value_or(""))};
  if (auto since = request.param("since"); since && !since->empty())
    params.since = parse_unix_timestamp(*since, "since");
  if (auto until = request.param("until"); until && !until->empty())
    params.until = parse_unix_timestamp(*until, "until");
  if (params.since && params.until && *params.until < *params.since)
    throw UsageError("GET /events: until `" + *request.param("until") + "` is before since `" +
                     *request.param("since") + "`");
  return params;
}

}  // namespace gantry::daemon

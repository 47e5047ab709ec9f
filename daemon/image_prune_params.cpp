#include "daemon/image_prune_params.h"

#include <cmath>
#include <ctime>
#include <optional>

#include "base/error.h"
#include "base/rfc3339.h"
#include "daemon/route_params.h"

namespace gantry::daemon {

namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

// Go's time.ParseDuration: [-+]?(NUMBER UNIT)+ with units ns, us, µs, ms, s, m, h; "0" alone.
std::optional<std::int64_t> go_duration(const std::string& text) {
  std::size_t pos = 0;
  bool negative = false;
  if (pos < text.size() && (text[pos] == '-' || text[pos] == '+')) negative = text[pos++] == '-';
  if (text.substr(pos) == "0") return 0;
  if (pos == text.size()) return std::nullopt;
  double total = 0;
  while (pos < text.size()) {
    const std::size_t start = pos;
    while (pos < text.size() && ((text[pos] >= '0' && text[pos] <= '9') || text[pos] == '.')) ++pos;
    if (pos == start) return std::nullopt;
    double number = 0;
    try {
      std::size_t used = 0;
      number = std::stod(text.substr(start, pos - start), &used);
      if (used != pos - start) return std::nullopt;
    } catch (const std::exception&) {
      return std::nullopt;
    }
    const std::size_t unit_start = pos;
    while (pos < text.size() && !((text[pos] >= '0' && text[pos] <= '9') || text[pos] == '.'))
      ++pos;
    const std::string unit = text.substr(unit_start, pos - unit_start);
    double scale = 0;
    if (unit == "ns")
      scale = 1;
    else if (unit == "us" || unit == "\u00b5s" || unit == "\u03bcs")
      scale = 1e3;
    else if (unit == "ms")
      scale = 1e6;
    else if (unit == "s")
      scale = 1e9;
    else if (unit == "m")
      scale = 60e9;
    else if (unit == "h")
      scale = 3600e9;
    else
      return std::nullopt;
    total += number * scale;
  }
  if (total > 9.2e18) return std::nullopt;
  const auto nanos = static_cast<std::int64_t>(std::llround(total));
  return negative ? -nanos : nanos;
}

// "2006-01-02" or "2006-01-02T15:04:05[.FRACTION]" in the local time zone.
std::optional<std::int64_t> local_time(const std::string& text) {
  std::tm tm{};
  const char* rest = nullptr;
  if (text.size() == 10) {
    rest = ::strptime(text.c_str(), "%Y-%m-%d", &tm);
  } else {
    rest = ::strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  }
  if (!rest) return std::nullopt;
  std::int64_t nanos = 0;
  if (*rest == '.') {
    std::int64_t scale = 100'000'000;
    const char* start = ++rest;
    for (; *rest >= '0' && *rest <= '9'; ++rest, scale /= 10) nanos += (*rest - '0') * scale;
    if (rest == start) return std::nullopt;
  }
  if (*rest != '\0') return std::nullopt;
  tm.tm_isdst = -1;
  const std::time_t seconds = std::mktime(&tm);
  if (seconds == -1) return std::nullopt;
  return std::int64_t{seconds} * kSecond + nanos;
}

std::optional<std::int64_t> unix_time(const std::string& text) {
  const auto dot = text.find('.');
  const std::string seconds = text.substr(0, dot);
  const std::string fraction = dot == std::string::npos ? "" : text.substr(dot + 1);
  auto digits = [](const std::string& s) {
    return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
  };
  if (!digits(seconds) || seconds.size() > 12 || (dot != std::string::npos && !digits(fraction)) ||
      fraction.size() > 9)
    return std::nullopt;
  std::int64_t nanos = 0;
  for (std::size_t i = 0; i < 9; ++i)
    nanos = nanos * 10 + (i < fraction.size() ? fraction[i] - '0' : 0);
  return std::stoll(seconds) * kSecond + nanos;
}

}  // namespace

std::int64_t parse_docker_time(const std::string& value, std::int64_t now,
                               const std::string& what) {
  if (value != "0")
    if (auto duration = go_duration(value)) return now - *duration;
  if (auto t = unix_time(value)) return *t;
  if (auto t = parse_rfc3339_nanos(value)) return *t;
  if (auto t = local_time(value)) return *t;
  throw UsageError(what + ": `" + value +
                   "` is not a time (unix seconds, 2006-01-02[T15:04:05], RFC 3339) or a "
                   "duration (24h, 1h30m)");
}

engine::ImagePruneRequest parse_image_prune_params(const HttpRequest& request, std::int64_t now) {
  check_params(request, "POST /images/prune", {"filters"});
  engine::ImagePruneRequest prune;
  for (const auto& [key, values] :
       filter_values(request.param("filters").value_or(""), "POST /images/prune")) {
    if (key == "dangling") {
      for (const auto& value : values) {
        if (value != "true" && value != "false" && value != "1" && value != "0")
          throw UsageError("POST /images/prune: dangling `" + value + "` is not true or false");
        if (value == "false" || value == "0") prune.all = true;
      }
    } else if (key == "until") {
      if (values.size() > 1) throw UsageError("POST /images/prune: more than one until filter");
      for (const auto& value : values)
        prune.until = parse_docker_time(value, now, "POST /images/prune: until");
    } else if (key == "label") {
      prune.labels.insert(prune.labels.end(), values.begin(), values.end());
    } else if (key == "label!") {
      prune.not_labels.insert(prune.not_labels.end(), values.begin(), values.end());
    } else {
      throw UsageError("POST /images/prune: the filter `" + key +
                       "` is not one gantry supports (dangling, until, label, label!)");
    }
  }
  return prune;
}

}  // namespace gantry::daemon

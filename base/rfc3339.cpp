#include "base/rfc3339.h"

#include <ctime>
#include <string>

namespace gantry {

namespace {

// The number `digits` digits long at text[pos]; -1 when they are not all digits.
int number_at(std::string_view text, std::size_t pos, std::size_t digits) {
  if (pos + digits > text.size()) return -1;
  int n = 0;
  for (std::size_t i = pos; i < pos + digits; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    n = n * 10 + (text[i] - '0');
  }
  return n;
}

}  // namespace

std::optional<std::int64_t> parse_rfc3339_nanos(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS, then the fraction and the zone.
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != 't') || text[13] != ':' || text[16] != ':')
    return std::nullopt;
  std::tm tm{};
  tm.tm_year = number_at(text, 0, 4) - 1900;
  tm.tm_mon = number_at(text, 5, 2) - 1;
  tm.tm_mday = number_at(text, 8, 2);
  tm.tm_hour = number_at(text, 11, 2);
  tm.tm_min = number_at(text, 14, 2);
  tm.tm_sec = number_at(text, 17, 2);
  if (tm.tm_year < -1900 || tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
      tm.tm_hour < 0 || tm.tm_hour > 23 || tm.tm_min < 0 || tm.tm_min > 59 || tm.tm_sec < 0 ||
      tm.tm_sec > 60)
    return std::nullopt;
  std::size_t pos = 19;
  std::int64_t nanos = 0;
  if (text[pos] == '.') {
    std::int64_t scale = 100'000'000;
    const std::size_t start = ++pos;
    for (; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos, scale /= 10)
      if (scale > 0) nanos += (text[pos] - '0') * scale;
    if (pos == start) return std::nullopt;
  }
  std::int64_t offset_seconds = 0;
  const std::string_view zone = text.substr(pos);
  if (zone == "Z" || zone == "z") {
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
    const int hours = number_at(zone, 1, 2), minutes = number_at(zone, 4, 2);
    if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59) return std::nullopt;
    offset_seconds = (zone[0] == '+' ? 1 : -1) * (hours * 3600 + minutes * 60);
  } else {
    return std::nullopt;
  }
  const std::int64_t seconds = ::timegm(&tm) - offset_seconds;
  return seconds * 1'000'000'000 + nanos;
}

}  // namespace gantry

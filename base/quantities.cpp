#include "base/quantities.h"

#include <cctype>
#include <charconv>
#include <cstdio>
#include <map>

#include "base/error.h"

namespace gantry {

namespace {

std::int64_t parse_with_units(const std::string& text, const std::map<std::string, double>& units,
                              const char* examples) {
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  std::string unit;
  for (char c : text.substr(i)) unit += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto it = units.find(unit);
  if (i == 0 || it == units.end()) throw UsageError("invalid size `" + text + "` (e.g. " + examples + ")");
  try {
    return static_cast<std::int64_t>(std::stod(text.substr(0, i)) * it->second);
  } catch (const std::exception&) {
    throw UsageError("invalid size `" + text + "`");
  }
}

}  // namespace

std::int64_t parse_size(const std::string& text) {
  static const std::map<std::string, double> units = {
      {"", 1}, {"b", 1}, {"k", 1e3}, {"kb", 1e3}, {"m", 1e6}, {"mb", 1e6}, {"g", 1e9},
      {"gb", 1e9}, {"t", 1e12}, {"tb", 1e12}, {"kib", 1024.0}, {"mib", 1048576.0},
      {"gib", 1073741824.0}, {"tib", 1099511627776.0}};
  return parse_with_units(text, units, "10GB, 512MB");
}

std::int64_t parse_memory_size(const std::string& text) {
  static const std::map<std::string, double> units = {
      {"", 1},         {"b", 1},          {"k", 1024.0},          {"kb", 1024.0},
      {"m", 1048576.0}, {"mb", 1048576.0}, {"g", 1073741824.0},    {"gb", 1073741824.0},
      {"t", 1099511627776.0}, {"tb", 1099511627776.0}};
  return parse_with_units(text, units, "256m, 2g");
}

std::int64_t parse_duration(const std::string& text) {
  static const std::map<char, std::int64_t> units = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}};
  std::int64_t total = 0;
  std::size_t i = 0;
  if (text.empty()) throw UsageError("invalid duration ``");
  while (i < text.size()) {
    std::size_t start = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    if (start == i || i == text.size() || !units.count(text[i]))
      throw UsageError("invalid duration `" + text + "` (e.g. 24h, 90m, 1h30m, 7d)");
    total += std::stoll(text.substr(start, i - start)) * units.at(text[i]);
    ++i;
  }
  return total;
}

std::string human_size(std::int64_t bytes) {
  const char* names[] = {"B", "kB", "MB", "GB", "TB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1000 && u < 4) {
    v /= 1000;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f%s" : "%.3g%s", v, names[u]);
  return buf;
}

std::int64_t parse_epoch_seconds(const std::string& what, const std::string& text) {
  std::int64_t seconds = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (ec != std::errc() || end != text.data() + text.size() || seconds < 0)
    throw UsageError("invalid " + what + " `" + text + "`: not a whole number of seconds since 1970");
  return seconds;
}

}  // namespace gantry

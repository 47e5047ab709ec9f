#include "frontend/dockerfile/history_text.h"

#include "frontend/dockerfile/text.h"

namespace gantry::frontend {

using nlohmann::json;

std::string go_quote_list(const json& strings) {
  std::string out = "[";
  bool first = true;
  for (const json& s : strings) {
    if (!first) out += ' ';
    first = false;
    out += go_quote(s.is_string() ? s.get<std::string>() : s.dump());
  }
  return out + "]";
}

std::string go_list(const std::vector<std::string>& strings) {
  std::string out = "[";
  for (std::size_t i = 0; i < strings.size(); ++i) out += (i ? " " : "") + strings[i];
  return out + "]";
}

std::string go_port_set(const std::set<std::string>& ports) {
  std::string out = "map[";
  bool first = true;
  for (const std::string& port : ports) {
    out += (first ? "" : " ") + port + ":{}";
    first = false;
  }
  return out + "]";
}

namespace {
// The last `digits` decimal digits of `value` as a fraction (".5", "" when all zero), trailing
// zeros dropped; `value` keeps what is above them.
std::string take_fraction(std::uint64_t& value, int digits) {
  std::string out;
  for (int i = 0; i < digits; ++i) {
    const char digit = static_cast<char>('0' + value % 10);
    if (!out.empty() || digit != '0') out.insert(out.begin(), digit);
    value /= 10;
  }
  return out.empty() ? out : "." + out;
}
}  // namespace

std::string go_duration(std::int64_t nanoseconds) {
  if (nanoseconds == 0) return "0s";
  const std::string sign = nanoseconds < 0 ? "-" : "";
  std::uint64_t u = nanoseconds < 0 ? 0 - static_cast<std::uint64_t>(nanoseconds) : static_cast<std::uint64_t>(nanoseconds);
  if (u < 1000) return sign + std::to_string(u) + "ns";
  if (u < 1'000'000) {
    const std::string fraction = take_fraction(u, 3);
    return sign + std::to_string(u) + fraction + "\u00b5s";
  }
  if (u < 1'000'000'000) {
    const std::string fraction = take_fraction(u, 6);
    return sign + std::to_string(u) + fraction + "ms";
  }
  const std::string fraction = take_fraction(u, 9);
  std::string out = std::to_string(u % 60) + fraction + "s";
  u /= 60;
  if (u > 0) {
    out = std::to_string(u % 60) + "m" + out;
    u /= 60;
    if (u > 0) out = std::to_string(u) + "h" + out;
  }
  return sign + out;
}

std::string go_healthcheck(const json& test, const HealthcheckInstruction& h) {
  std::string out = "&{" + go_quote_list(test);
  for (std::int64_t ns : {h.interval_ns, h.timeout_ns, h.start_period_ns, h.start_interval_ns})
    out += " " + go_quote(go_duration(ns));
  return out + " " + go_quote_rune(static_cast<std::uint32_t>(h.retries)) + "}";
}

}  // namespace gantry::frontend

#include "daemon/build_prune_params.h"

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/quantities.h"

namespace gantry::daemon {

namespace {

bool flag(const std::string& name, const std::string& value) {
  if (value == "1" || value == "true" || value == "True") return true;
  if (value.empty() || value == "0" || value == "false" || value == "False") return false;
  throw UsageError("build prune parameter `" + name + "=" + value + "`: not a boolean");
}

// The values of one filter, in dockerd's {"key": {"value": true}} or older {"key": ["value"]}.
std::vector<std::string> filter_values(const std::string& key, const nlohmann::json& values) {
  std::vector<std::string> out;
  if (values.is_object()) {
    for (const auto& [value, on] : values.items())
      if (on == true) out.push_back(value);
  } else if (values.is_array()) {
    for (const auto& value : values)
      if (value.is_string()) out.push_back(value.get<std::string>());
  } else {
    throw UsageError("build prune filter `" + key + "`: its values are not an object or an array");
  }
  return out;
}

void apply_filters(const std::string& text, cache::PruneOptions& options) {
  if (text.empty()) return;  // what docker's clients send when no --filter is given
  nlohmann::json filters;
  try {
    filters = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception&) {
    throw UsageError("build prune parameter `filters`: `" + text + "` is not JSON");
  }
  if (filters.is_null()) return;
  if (!filters.is_object())
    throw UsageError("build prune parameter `filters`: `" + text + "` is not a JSON object");
  for (const auto& [key, values] : filters.items()) {
    if (key != "until")
      throw UsageError("build prune filter `" + key + "`: gantry implements only `until`");
    const auto until = filter_values(key, values);
    if (until.size() > 1)
      throw UsageError("build prune filter `until`: given " + std::to_string(until.size()) +
                       " times");
    if (!until.empty()) options.unused_for_seconds = parse_duration(until.front());
  }
}

}  // namespace

cache::PruneOptions parse_build_prune_params(const std::multimap<std::string, std::string>& query) {
  cache::PruneOptions options;
  for (const auto& [name, value] : query) {
    if (name == "all") {
      options.all = flag(name, value);
    } else if (name == "keep-storage") {
      // docker's clients send 0 for "no limit given".
      if (!value.empty() && value != "0") options.keep_storage = parse_size(value);
    } else if (name == "filters") {
      apply_filters(value, options);
    } else {
      throw UsageError("build prune parameter `" + name + "=" + value +
                       "`: gantry does not implement it");
    }
  }
  return options;
}

}  // namespace gantry::daemon

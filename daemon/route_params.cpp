#include "daemon/route_params.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

namespace gantry::daemon {

void check_params(const HttpRequest& request, const std::string& endpoint,
                  std::initializer_list<std::string_view> taken) {
  for (const auto& [name, value] : request.query) {
    if (std::find(taken.begin(), taken.end(), name) != taken.end()) continue;
    if (value.empty() || value == "0" || value == "false") continue;
    throw UsageError(endpoint + ": the parameter `" + name + "=" + value +
                     "` is not one gantry implements");
  }
}

std::map<std::string, std::vector<std::string>> filter_values(const std::string& text,
                                                              const std::string& endpoint) {
  std::map<std::string, std::vector<std::string>> out;
  if (text.empty()) return out;
  nlohmann::json filters;
  try {
    filters = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception&) {
    throw UsageError(endpoint + ": filters `" + text + "` are not JSON");
  }
  if (filters.is_null()) return out;
  if (!filters.is_object())
    throw UsageError(endpoint + ": filters `" + text + "` are not a JSON object");
  for (const auto& [key, values] : filters.items()) {
    auto& list = out[key];
    if (values.is_object()) {
      for (const auto& [value, on] : values.items())
        if (on == true) list.push_back(value);
    } else if (values.is_array()) {
      for (const auto& value : values) {
        if (!value.is_string())
          throw UsageError(endpoint + ": a value of the filter `" + key + "` is not a string");
        list.push_back(value.get<std::string>());
      }
    } else {
      throw UsageError(endpoint + ": the values of the filter `" + key +
                       "` are not an object or an array");
    }
  }
  return out;
}

bool bool_param(const std::string& value) {
  std::string v = value;
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
  return !(v.empty() || v == "0" || v == "no" || v == "false" || v == "none");
}

}  // namespace gantry::daemon

#include "daemon/route_params.h"

#include <algorithm>
#include <cctype>

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

bool bool_param(const std::string& value) {
  std::string v = value;
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
  return !(v.empty() || v == "0" || v == "no" || v == "false" || v == "none");
}

}  // namespace gantry::daemon

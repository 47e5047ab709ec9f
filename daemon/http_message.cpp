#include "daemon/http_server.h"

namespace gantry::daemon {

std::optional<std::string> HttpRequest::header(const std::string& lower_case_name) const {
  const auto it = headers.find(lower_case_name);
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> HttpRequest::param(const std::string& name) const {
  const auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> HttpRequest::params(const std::string& name) const {
  std::vector<std::string> values;
  for (auto [it, end] = query.equal_range(name); it != end; ++it) values.push_back(it->second);
  return values;
}

}  // namespace gantry::daemon

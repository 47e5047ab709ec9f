#include "frontend/dockerfile/image_config.h"

#include <algorithm>

#include "base/error.h"
#include "frontend/dockerfile/text.h"

namespace gantry::frontend {

using nlohmann::json;

json empty_image_config(const Platform& platform) {
  json config = {{"architecture", platform.architecture}, {"os", platform.os}, {"config", json::object()},
                 {"history", json::array()}};
  if (!platform.variant.empty()) config["variant"] = platform.variant;
  return config;
}

std::vector<std::string> expand_port_range(const std::string& spec) {
  std::string proto = "tcp";
  std::string ports = spec;
  if (auto slash = spec.find('/'); slash != std::string::npos) {
    proto = to_lower(spec.substr(slash + 1));
    ports = spec.substr(0, slash);
  }
  if (proto != "tcp" && proto != "udp" && proto != "sctp") throw Error("invalid proto: " + proto);
  auto number = [&](const std::string& s) {
    if (s.empty() || s.size() > 5 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
      throw Error("invalid containerPort: " + spec);
    int n = std::stoi(s);
    if (n > 65535) throw Error("invalid containerPort: " + spec);
    return n;
  };
  std::size_t dash = ports.find('-');
  int first = number(ports.substr(0, dash));
  int last = dash == std::string::npos ? first : number(ports.substr(dash + 1));
  if (last < first) throw Error("invalid range specified for containerPort: " + spec);
  std::vector<std::string> out;
  for (int p = first; p <= last; ++p) out.push_back(std::to_string(p) + "/" + proto);
  return out;
}

std::optional<std::string> get_env(const json& image, std::string_view key) {
  const json& config = image.at("config");
  if (!config.contains("Env") || !config["Env"].is_array()) return std::nullopt;
  for (const json& entry : config["Env"]) {
    if (!entry.is_string()) continue;
    const std::string& s = entry.get_ref<const std::string&>();
    if (s.size() > key.size() && s.compare(0, key.size(), key) == 0 && s[key.size()] == '=')
      return s.substr(key.size() + 1);
    if (s == key) return std::string();
  }
  return std::nullopt;
}

void set_env(json& image, const std::string& key, const std::string& value) {
  json& env = image["config"]["Env"];
  if (!env.is_array()) env = json::array();
  for (json& entry : env) {
    if (!entry.is_string()) continue;
    const std::string& s = entry.get_ref<const std::string&>();
    if (s == key || (s.size() > key.size() && s.compare(0, key.size(), key) == 0 && s[key.size()] == '=')) {
      entry = key + "=" + value;
      return;
    }
  }
  env.push_back(key + "=" + value);
}

void add_history(json& image, const std::string& created_by, bool layer) {
  json& history = image["history"];
  if (!history.is_array()) history = json::array();
  history.push_back({{"created_by", created_by}, {"comment", "buildkit.dockerfile.v0"}, {"empty_layer", !layer}});
}

}  // namespace gantry::frontend

#include "frontend/dockerfile/stage_environment.h"

namespace gantry::frontend {

using nlohmann::json;

StageEnvironment::StageEnvironment(const json& image) {
  const json& config = image.at("config");
  if (!config.contains("Env") || !config["Env"].is_array()) return;
  const json& env = config["Env"];
  for (std::size_t i = 0; i < env.size(); ++i) {
    if (!env[i].is_string()) continue;
    const std::string& entry = env[i].get_ref<const std::string&>();
    std::size_t eq = entry.find('=');
    std::string name = entry.substr(0, eq);
    expansion_[name] = eq == std::string::npos ? "" : entry.substr(eq + 1);
    env_index_.emplace(std::move(name), i);
  }
}

void StageEnvironment::set_arg(const std::string& name, const std::string& value) {
  auto [at, added] = arg_index_.try_emplace(name, args_.size());
  if (added) {
    args_.emplace_back(name, value);
  } else if (at->second + 1 == args_.size()) {
    args_.back().second = value;
  } else {
    // Declared again: to the end of the order (rare, so the positions after it are renumbered).
    args_.erase(args_.begin() + static_cast<std::ptrdiff_t>(at->second));
    for (std::size_t i = at->second; i < args_.size(); ++i) arg_index_[args_[i].first] = i;
    at->second = args_.size();
    args_.emplace_back(name, value);
  }
  if (!has_env(name)) expansion_[name] = value;
}

void StageEnvironment::set_env(json& image, const std::string& name, const std::string& value) {
  json& env = image["config"]["Env"];
  if (!env.is_array()) env = json::array();
  std::string entry = name + "=" + value;
  auto [at, added] = env_index_.try_emplace(name, env.size());
  if (added)
    env.push_back(std::move(entry));
  else
    env[at->second] = std::move(entry);
  expansion_[name] = value;
}

}  // namespace gantry::frontend

#include "engine/docker_image_config.h"

#include <string>

namespace gantry::engine {

using nlohmann::json;
using nlohmann::ordered_json;

namespace {

// Go's omitempty: "", false, 0, null, and an empty list or map are left out.
bool is_empty(const json& value) {
  if (value.is_null()) return true;
  if (value.is_string()) return value.get_ref<const std::string&>().empty();
  if (value.is_boolean()) return !value.get<bool>();
  if (value.is_number()) return value == 0;
  return value.empty();
}

// A command (Entrypoint, Cmd): docker reads a lone string as a list of one.
json command(const json& value) { return value.is_string() ? json::array({value}) : value; }

// A set (ExposedPorts, Volumes): docker keeps the keys, each with an empty object.
json set_of(const json& value) {
  if (!value.is_object()) return value;
  json set = json::object();
  for (const auto& [key, _] : value.items()) set[key] = json::object();
  return set;
}

// docker's HealthConfig, its fields in order and each left out when empty; an object with
// none of them stays, as a pointer to an empty struct does.
ordered_json healthcheck(const json& value) {
  if (!value.is_object()) return ordered_json(value);
  ordered_json out = ordered_json::object();
  for (const char* key : {"Test", "Interval", "Timeout", "StartPeriod", "StartInterval", "Retries"})
    if (value.contains(key) && !is_empty(value.at(key))) out[key] = value.at(key);
  return out;
}

}  // namespace

ordered_json docker_image_config(const json& config) {
  ordered_json out = ordered_json::object();
  if (!config.is_object()) return out;
  const auto put = [&](const char* key, const json& value) {
    if (!is_empty(value)) out[key] = value;
  };
  const auto field = [&](const char* key) { return config.contains(key) ? config.at(key) : json(); };
  put("User", field("User"));
  put("ExposedPorts", set_of(field("ExposedPorts")));
  put("Env", field("Env"));
  put("Entrypoint", command(field("Entrypoint")));
  put("Cmd", command(field("Cmd")));
  put("Volumes", set_of(field("Volumes")));
  put("WorkingDir", field("WorkingDir"));
  put("Labels", field("Labels"));
  put("StopSignal", field("StopSignal"));
  put("ArgsEscaped", field("ArgsEscaped"));
  if (config.contains("Healthcheck") && !config.at("Healthcheck").is_null())
    out["Healthcheck"] = healthcheck(config.at("Healthcheck"));
  put("OnBuild", field("OnBuild"));
  put("Shell", field("Shell"));
  return out;
}

}  // namespace gantry::engine

#include "daemon/build_params.h"

#include <charconv>
#include <set>

#include "base/base64.h"
#include "base/error.h"
#include "base/git_url.h"
#include "base/image_ref.h"
#include "base/platform.h"
#include "daemon/route_params.h"
#include "engine/extra_hosts.h"
#include "engine/remote_context.h"
#include "executor/resource_limits.h"

namespace gantry::daemon {

using nlohmann::json;

namespace {

using Query = std::multimap<std::string, std::string>;

std::int64_t integer_value(const std::string& name, const std::string& value) {
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (value.empty() || ec != std::errc() || end != value.data() + value.size())
    throw UsageError("build parameter `" + name + "`: `" + value + "` is not a whole number");
  return n;
}

json json_value(const std::string& name, const std::string& value) {
  try {
    return json::parse(value);
  } catch (const json::exception&) {
    throw UsageError("build parameter `" + name + "`: `" + value + "` is not JSON");
  }
}

// A JSON object of strings (buildargs, labels); a null value (a build arg the client named but
// had no value for) is left out, "null" is no object at all.
std::map<std::string, std::string> string_map(const std::string& name, const std::string& value) {
  const json j = json_value(name, value);
  std::map<std::string, std::string> out;
  if (j.is_null()) return out;
  if (!j.is_object())
    throw UsageError("build parameter `" + name + "`: expected a JSON object of strings");
  for (const auto& [key, v] : j.items()) {
    if (v.is_null()) continue;
    if (!v.is_string())
      throw UsageError("build parameter `" + name + "`: `" + key + "` is not a string");
    out[key] = v.get<std::string>();
  }
  return out;
}

std::vector<executor::Ulimit> ulimits_value(const std::string& value) {
  const json j = json_value("ulimits", value);
  std::vector<executor::Ulimit> out;
  if (j.is_null()) return out;
  if (!j.is_array()) throw UsageError("build parameter `ulimits`: expected a JSON array");
  for (const auto& u : j) {
    if (!u.is_object() || !u.contains("Name") || !u["Name"].is_string())
      throw UsageError("build parameter `ulimits`: `" + u.dump() + "` has no \"Name\"");
    const std::string name = u["Name"].get<std::string>();
    const json soft = u.value("Soft", json(-1)), hard = u.value("Hard", json(-1));
    const bool whole = soft.is_number_integer() && hard.is_number_integer();
    const executor::Ulimit ulimit{name, whole ? soft.get<std::int64_t>() : 0,
                                  whole ? hard.get<std::int64_t>() : 0};
    const auto fault = executor::ulimit_fault(ulimit);
    if (fault == executor::UlimitFault::UnknownName)
      throw UsageError("build parameter `ulimits`: `" + name + "` is not one of " +
                       executor::resource_names());
    if (!whole || fault == executor::UlimitFault::BadValue)
      throw UsageError("build parameter `ulimits`: the limits of `" + name +
                       "` are whole numbers, or -1 for unlimited");
    if (fault == executor::UlimitFault::SoftAboveHard)
      throw UsageError("build parameter `ulimits`: the soft limit of `" + name +
                       "` is above its hard limit");
    out.push_back(ulimit);
  }
  return out;
}

std::vector<engine::CacheSpec> cache_from_value(const std::string& value) {
  const json j = json_value("cachefrom", value);
  std::vector<engine::CacheSpec> out;
  if (j.is_null()) return out;
  if (!j.is_array())
    throw UsageError("build parameter `cachefrom`: expected a JSON array of image references");
  for (const auto& ref : j) {
    if (!ref.is_string())
      throw UsageError("build parameter `cachefrom`: `" + ref.dump() + "` is not a string");
    out.push_back(engine::parse_cache_from(ref.get<std::string>()));
  }
  return out;
}

// A context the daemon fetches, as dockerd takes one: a Git URL, or an http(s) URL.
std::string remote_value(const std::string& value) {
  if (value.empty() || parse_git_url(value, GitUrlUse::Context) || engine::is_http_url(value))
    return value;
  throw UsageError("build parameter `remote`: `" + value +
                   "` is neither a Git repository's URL nor an http(s) URL");
}

std::string network_value(const std::string& value) {
  if (value.empty() || value == "default" || value == "bridge") return "default";
  if (value == "host" || value == "none") return value;
  throw UsageError("build parameter `networkmode`: `" + value +
                   "` is not one of default, bridge, host, none");
}

void check_platform(const std::string& value) {
  if (value.empty()) return;
  const Platform host = host_platform();
  if (Platform::parse(value) != host)
    throw UsageError("build parameter `platform`: `" + value +
                     "`: gantry builds for the host's platform " + host.str() + " only");
}

// The parameters gantry does not implement, with the values that ask for nothing. Docker's
// clients send most of them with every build.
bool asks_for_nothing(const std::string& name, const std::string& value) {
  static const std::set<std::string> empty_or_zero{
      "cpusetcpus",   "cpusetmems", "cpushares", "cpuquota", "cpuperiod", "memory",     "memswap",
      "cgroupparent", "squash",     "session",  "buildid",   "securityopt"};
  if (empty_or_zero.count(name))
    return value.empty() || value == "0" || (name == "memswap" && value == "-1");
  // No intermediate containers are made, so none is left behind to remove.
  if (name == "rm" || name == "forcerm") return true;
  if (name == "isolation") return value.empty() || value == "default";
  if (name == "outputs") return value.empty() || value == "null" || value == "[]";
  if (name == "version") return value.empty() || value == "1";  // 2 asks for a BuildKit session
  return false;
}

}  // namespace

BuildParams parse_build_params(const Query& query) {
  BuildParams p;
  engine::BuildRequest& r = p.request;
  for (const auto& [name, value] : query) {
    if (name == "t") {
      r.tags.push_back(ImageRef::parse(value).familiar());
    } else if (name == "dockerfile") {
      if (!value.empty()) p.dockerfile = value;
    } else if (name == "buildargs") {
      r.build_args = string_map(name, value);
    } else if (name == "target") {
      r.target = value;
    } else if (name == "nocache") {
      r.no_cache = bool_param(value);
    } else if (name == "pull") {
      r.pull = bool_param(value) ? engine::PullPolicy::Always : engine::PullPolicy::Missing;
    } else if (name == "labels") {
      r.labels = string_map(name, value);
    } else if (name == "networkmode") {
      r.network = network_value(value);
    } else if (name == "q") {
      p.quiet = bool_param(value);
    } else if (name == "extrahosts") {
      auto hosts = engine::parse_extra_hosts({value}, "extrahosts");
      r.extra_hosts.insert(r.extra_hosts.end(), hosts.begin(), hosts.end());
    } else if (name == "shmsize") {
      const std::int64_t bytes = integer_value(name, value);
      if (bytes < 0) throw UsageError("build parameter `shmsize`: `" + value + "` is below 0");
      r.shm_bytes =
          bytes == 0 ? executor::kDefaultShmBytes : bytes;  // 0: the default, as dockerd takes it
    } else if (name == "ulimits") {
      r.ulimits = ulimits_value(value);
    } else if (name == "platform") {
      check_platform(value);
    } else if (name == "remote") {
      p.remote = remote_value(value);
    } else if (name == "cachefrom") {
      r.cache_from = cache_from_value(value);
    } else if (!asks_for_nothing(name, value)) {
      throw UsageError("build parameter `" + name + "=" + value +
                       "`: gantry does not implement it");
    }
  }
  return p;
}

json registry_config_file(const std::string& header) {
  std::string text = header;
  std::replace(text.begin(), text.end(), '-', '+');
  std::replace(text.begin(), text.end(), '_', '/');
  json auths;
  try {
    auths = json::parse(base64_decode(text));
  } catch (const std::exception&) {
    throw UsageError("X-Registry-Config: not base64 of a JSON object");
  }
  if (auths.is_null()) auths = json::object();
  if (!auths.is_object()) throw UsageError("X-Registry-Config: not base64 of a JSON object");
  json file = {{"auths", json::object()}};
  for (const auto& [registry, auth] : auths.items()) {
    if (!auth.is_object())
      throw UsageError("X-Registry-Config: the entry of `" + registry + "` is not an object");
    json entry = json::object();
    for (const char* key : {"username", "password", "auth", "identitytoken"})
      if (auth.contains(key) && auth[key].is_string() && !auth[key].get<std::string>().empty())
        entry[key] = auth[key];
    file["auths"][registry] = entry;
  }
  return file;
}

}  // namespace gantry::daemon

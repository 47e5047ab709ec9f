#include "registry/registry_options.h"

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/file_util.h"

namespace gantry::registry {

namespace {

std::string without_port(const std::string& host) {
  if (host.starts_with("[")) return host.substr(1, host.find(']') - 1);  // [::1]:5000
  auto colon = host.rfind(':');
  return colon == std::string::npos ? host : host.substr(0, colon);
}

// The certs dirs with_environment() adds (the header says which).
std::vector<std::filesystem::path> certs_dirs_from_environment() {
  std::vector<std::filesystem::path> dirs;
  if (const char* listed = std::getenv("GANTRY_CERTS_D"); listed && *listed) {
    const std::string text = listed;
    for (std::size_t pos = 0; pos <= text.size();) {
      auto colon = text.find(':', pos);
      if (colon == std::string::npos) colon = text.size();
      if (colon > pos) dirs.emplace_back(text.substr(pos, colon - pos));
      pos = colon + 1;
    }
    return dirs;
  }
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg) dirs.push_back(std::filesystem::path(xdg) / "gantry/certs.d");
  else if (const char* home = std::getenv("HOME"); home && *home) dirs.push_back(std::filesystem::path(home) / ".config/gantry/certs.d");
  dirs.emplace_back("/etc/docker/certs.d");
  return dirs;
}

}  // namespace

RegistryOptions RegistryOptions::with_environment() const {
  RegistryOptions out = *this;
  if (const char* ca = std::getenv("GANTRY_REGISTRY_CA"); out.ca_file.empty() && ca && *ca) out.ca_file = ca;
  if (const char* config = std::getenv("GANTRY_CONFIG"); config && *config && std::filesystem::exists(config)) {
    try {
      auto json = nlohmann::json::parse(read_file(config));
      for (const auto& host : json.value("insecure-registries", nlohmann::json::array()))
        out.insecure_registries.push_back(host.get<std::string>());
    } catch (const nlohmann::json::parse_error& e) {
      // Only the place: the parser's message quotes the text it stopped in, maybe a password.
      throw Error("registry config `" + std::string(config) + "`: not valid JSON (at byte " +
                  std::to_string(e.byte) + ")");
    } catch (const nlohmann::json::exception& e) {
      throw Error("registry config `" + std::string(config) + "`: " + e.what());
    }
  }
  if (const char* timeout = std::getenv("GANTRY_REGISTRY_TIMEOUT"); timeout && *timeout) {
    long seconds = std::strtol(timeout, nullptr, 10);
    if (seconds <= 0) throw UsageError("GANTRY_REGISTRY_TIMEOUT `" + std::string(timeout) + "`: not a number of seconds");
    out.connect_timeout_seconds = out.stall_timeout_seconds = out.total_timeout_seconds = seconds;
  }
  if (out.certs_dirs.empty()) out.certs_dirs = certs_dirs_from_environment();
  return out;
}

bool RegistryOptions::is_insecure(const std::string& host) const {
  return std::find(insecure_registries.begin(), insecure_registries.end(), host) != insecure_registries.end();
}

bool RegistryOptions::is_plain_http(const std::string& host) const {
  for (const auto& [registry, entries] : mirrors)
    for (const auto& entry : entries)
      if (const Mirror m = parse_mirror(entry); m.plain_http && m.host == host) return true;
  return false;
}

std::vector<std::string> RegistryOptions::mirrors_of(const std::string& registry) const {
  std::vector<std::string> hosts;
  if (auto it = mirrors.find(registry); it != mirrors.end())
    for (const auto& entry : it->second) hosts.push_back(parse_mirror(entry).host);
  return hosts;
}

Mirror parse_mirror(const std::string& entry) {
  Mirror mirror;
  std::string rest = entry;
  if (auto scheme = rest.find("://"); scheme != std::string::npos) {
    const std::string name = rest.substr(0, scheme);
    if (name != "http" && name != "https")
      throw UsageError("registry mirror `" + entry + "`: unsupported scheme `" + name + "` (want http or https)");
    mirror.plain_http = name == "http";
    rest = rest.substr(scheme + 3);
    if (rest.ends_with("/")) rest.pop_back();
  }
  if (rest.empty()) throw UsageError("registry mirror `" + entry + "`: no host");
  if (rest.find_first_of("/?#") != std::string::npos)
    throw UsageError("registry mirror `" + entry + "`: a path, query or fragment after the host is not supported");
  mirror.host = rest;
  return mirror;
}

std::string endpoint_host(const std::string& registry) {
  return registry == "docker.io" ? "registry-1.docker.io" : registry;
}

bool is_loopback_host(const std::string& host) {
  const std::string name = without_port(host);
  return name == "localhost" || name == "::1" || name.starts_with("127.");
}

}  // namespace gantry::registry

// GET|HEAD /_ping, GET /version, GET /info: what the daemon is, for clients to negotiate with
// and show.
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "base/platform.h"
#include "cache/store.h"
#include "daemon/api_router.h"
#include "daemon/api_version.h"
#include "engine/image_filter.h"
#include "engine/local_images.h"

namespace gantry::daemon {

using nlohmann::json;

namespace {

std::string kernel_version() {
  utsname u{};
  ::uname(&u);
  return u.release;
}

// /etc/os-release's PRETTY_NAME, as dockerd shows the host's OS.
std::string operating_system() {
  std::ifstream in("/etc/os-release");
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("PRETTY_NAME=")) continue;
    std::string value = line.substr(12);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    return value;
  }
  return "Linux";
}

}  // namespace

HttpResponse ping(const HttpRequest&) {
  // Builder-Version 1: the classic builder's API (POST /build streams its messages); no
  // BuildKit session.
  return {.content_type = "text/plain; charset=utf-8",
          .headers = {{"OSType", "linux"},
                      {"Builder-Version", "1"},
                      {"Docker-Experimental", "false"},
                      {"Cache-Control", "no-cache, no-store, must-revalidate"},
                      {"Pragma", "no-cache"}},
          .body = "OK"};
}

HttpResponse version(const DaemonOptions& options) {
  const Platform host = host_platform();
  const json details = {{"ApiVersion", kApiVersion.str()},
                        {"MinAPIVersion", kMinApiVersion.str()},
                        {"Os", host.os},
                        {"Arch", host.architecture},
                        {"KernelVersion", kernel_version()},
                        {"Experimental", "false"}};
  const json body = {
      {"Platform", {{"Name", "gantry"}}},
      {"Components",
       json::array({{{"Name", "Engine"}, {"Version", options.version}, {"Details", details}}})},
      {"Version", options.version},
      {"ApiVersion", kApiVersion.str()},
      {"MinAPIVersion", kMinApiVersion.str()},
      {"GitCommit", ""},
      {"GoVersion", ""},
      {"Os", host.os},
      {"Arch", host.architecture},
      {"KernelVersion", kernel_version()},
      {"BuildTime", ""}};
  return {.body = body.dump()};
}

HttpResponse info(const DaemonOptions& options) {
  cache::Store store(options.root, cache::Store::Recovery::Skip);
  const Platform host = host_platform();
  struct sysinfo si {};
  ::sysinfo(&si);
  char hostname[256] = {};
  ::gethostname(hostname, sizeof hostname - 1);
  // Images by id, as /images/json lists them: an image with several names is one.
  std::set<Digest> ids;
  for (const auto& image : engine::list_images(store, engine::ImageFilter::parse({})))
    ids.insert(image.view.config);
  const std::size_t images = ids.size();
  json mirrors = json::array();
  for (const auto& [registry, entries] : options.registry.mirrors)
    for (const auto& m : entries) mirrors.push_back(m);
  const json body = {{"ID", ""},
                     {"Containers", 0},
                     {"ContainersRunning", 0},
                     {"ContainersPaused", 0},
                     {"ContainersStopped", 0},
                     {"Images", images},
                     {"Driver", "overlayfs"},
                     {"DriverStatus", json::array()},
                     {"Plugins",
                      {{"Volume", json::array()},
                       {"Network", json::array()},
                       {"Authorization", nullptr},
                       {"Log", json::array()}}},
                     {"MemoryLimit", false},
                     {"SwapLimit", false},
                     {"NCPU", std::thread::hardware_concurrency()},
                     {"MemTotal", static_cast<std::uint64_t>(si.totalram) * si.mem_unit},
                     {"DockerRootDir", options.root.string()},
                     {"Name", hostname},
                     {"Labels", json::array()},
                     {"ExperimentalBuild", false},
                     {"ServerVersion", options.version},
                     {"OperatingSystem", operating_system()},
                     {"OSType", host.os},
                     {"Architecture", host.architecture},
                     {"KernelVersion", kernel_version()},
                     {"IndexServerAddress", "https://index.docker.io/v1/"},
                     {"RegistryConfig",
                      {{"InsecureRegistryCIDRs", json::array()},
                       {"IndexConfigs", json::object()},
                       {"Mirrors", mirrors}}},
                     {"SecurityOptions", json::array()},
                     {"Swarm", {{"LocalNodeState", "inactive"}, {"ControlAvailable", false}}},
                     {"Warnings", json::array()}};
  return {.body = body.dump()};
}

}  // namespace gantry::daemon

// `gantry daemon`: the Docker Engine API for what a build engine owns (builds and the local
// image store), served on unix sockets to the docker CLI and other API clients.
//
//   Daemon daemon(options);      // binds every socket; throws Error naming the one at fault
//   std::thread t([&] { daemon.serve(); });
//   daemon.shutdown();           // (a SIGTERM) stop accepting, cancel the running builds
//   t.join();                    // serve() returns once the last request is answered;
//                                // the sockets are removed with the Daemon
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "registry/registry_options.h"

namespace gantry::daemon {

struct DaemonOptions {
  std::filesystem::path root;      // the store
  std::vector<std::string> hosts;  // unix:///PATH, at least one
  // The group the sockets are given; without one they keep the daemon user's. Mode 0660.
  std::optional<std::string> group;
  registry::RegistryOptions registry;  // for pulls (credentials come with each request)
  std::int64_t gc_cap = 0;             // the build cache size the GC after each build keeps
  std::string version;                 // gantry's, for /version
};

class ApiRouter;
class HttpServer;
class ImageEvents;
class RunningBuilds;

class Daemon {
 public:
  explicit Daemon(DaemonOptions options);
  ~Daemon();

  void serve();
  // Safe from any thread (a signal's). The event streams (GET /events) end too.
  void shutdown();

 private:
  DaemonOptions options_;
  std::unique_ptr<RunningBuilds> builds_;
  std::unique_ptr<ImageEvents> events_;  // GET /events' streams, fed by the routes
  std::unique_ptr<ApiRouter> router_;
  std::unique_ptr<HttpServer> server_;
};

// The path of a unix:// host; throws UsageError naming any other.
std::string unix_socket_path(const std::string& host);

}  // namespace gantry::daemon

// `gantry daemon`: the Docker Engine API for what a build engine owns (builds and the local
// image store), served on unix sockets and TCP (TLS, as dockerd's) to the docker CLI and other
// API clients, all listeners at once.
//
// Whoever can send requests can build and remove images as the daemon's user, so a TCP listener
// must require client certificates (`tls` with a client CA, dockerd's --tlsverify), unless
// `insecure_tcp` says that an unauthenticated one is wanted (it is then logged as a warning).
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

#include "daemon/tls_files.h"
#include "engine/cache_spec.h"
#include "registry/credentials.h"
#include "registry/registry_options.h"

namespace gantry::daemon {

struct DaemonOptions {
  std::filesystem::path root;      // the store
  std::vector<std::string> hosts;  // unix:///PATH, tcp://HOST:PORT (listen_address.h); at least one
  // The group the unix sockets are given; without one they keep the daemon user's. Mode 0660.
  std::optional<std::string> group;
  std::optional<TlsFiles> tls;         // for every TCP listener; unix sockets never speak TLS
  bool insecure_tcp = false;           // TCP listeners may serve clients without a certificate
  registry::RegistryOptions registry;  // for pulls (credentials come with each request)
  std::int64_t gc_cap = 0;             // the build cache size the GC after each build keeps
  // The build cache every build imports (after the request's cachefrom) and exports, as
  // daemon_cache.h makes it each build's.
  std::vector<engine::CacheSpec> cache_from, cache_to;
  // The daemon's own credentials (its docker config.json), for the registries of cache_from and
  // cache_to only: a client's builds reach other registries with the client's credentials.
  registry::CredentialStore cache_credentials{{}};
  std::string version;                 // gantry's, for /version
};

// Throws UsageError naming the option at fault when `options` cannot make a daemon: an -H that
// is malformed, or a TCP listener that serves clients without a certificate without
// `insecure_tcp` (see Daemon). Reads no file and opens no socket (`gantry daemon --validate`).
void check_options(const DaemonOptions& options);

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

}  // namespace gantry::daemon

#include "daemon/daemon.h"

#include <grp.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>

#include "base/error.h"
#include "base/scope_guard.h"
#include "base/unique_fd.h"
#include "cache/store.h"
#include "daemon/api_router.h"
#include "daemon/api_version.h"
#include "daemon/http_server.h"
#include "daemon/image_events.h"
#include "daemon/running_builds.h"

namespace gantry::daemon {

namespace {

gid_t group_id(const std::string& name) {
  std::vector<char> buffer(16384);
  group entry{};
  group* found = nullptr;
  if (::getgrnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 || !found)
    throw UsageError("--group `" + name + "`: no such group");
  return found->gr_gid;
}

// A socket file left by a daemon that died (nothing listens: ECONNREFUSED) is removed; one
// that a live daemon answers on, a file that is no socket, or one that cannot be probed is an
// error.
void clear_stale_socket(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return;
  if (!S_ISSOCK(st.st_mode)) throw Error("`" + path + "`: exists and is not a socket");
  UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{.sun_family = AF_UNIX};
  path.copy(addr.sun_path, sizeof addr.sun_path - 1);
  if (::connect(probe.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0)
    throw Error("`" + path + "`: another daemon is listening on it");
  if (errno != ECONNREFUSED)
    throw_errno("connect to the socket `" + path + "` to see whether it is stale");
  if (::unlink(path.c_str()) != 0) throw_errno("remove the stale socket `" + path + "`");
}

// Listens on the unix socket `path`, replacing one a dead daemon left. The socket is for the
// owner and the group only, from the moment it exists (whoever can connect can build and
// remove images as the daemon's user): it is made under a umask that leaves it mode 0660.
void listen_on(HttpServer& server, const std::string& path) {
  if (path.size() >= sizeof(sockaddr_un::sun_path))
    throw UsageError("unix socket `" + path + "`: the path is too long");
  clear_stale_socket(path);
  {
    const mode_t previous = ::umask(0117);
    ScopeGuard restore_umask([previous]() noexcept { ::umask(previous); });
    try {
      server.listen_unix(path);
    } catch (const std::system_error& e) {
      throw Error(e.what());
    }
  }
}

}  // namespace

std::string unix_socket_path(const std::string& host) {
  constexpr std::string_view kScheme = "unix://";
  if (!host.starts_with(kScheme) || host.size() == kScheme.size())
    throw UsageError("-H `" + host +
                     "`: gantry listens on unix:///PATH sockets only (TCP is not supported yet)");
  return host.substr(kScheme.size());
}

Daemon::Daemon(DaemonOptions options)
    : options_(std::move(options)),
      builds_(std::make_unique<RunningBuilds>()),
      events_(std::make_unique<ImageEvents>()),
      router_(std::make_unique<ApiRouter>(options_, *builds_, *events_)),
      server_(make_http_server([this](HttpRequest& request) { return router_->handle(request); })) {
  if (options_.hosts.empty()) throw UsageError("daemon: no -H socket to listen on");
  // Looked up once, and before any socket exists, so that a misspelt group leaves none.
  const gid_t gid = options_.group ? group_id(*options_.group) : 0;
  // What crashed processes left half-done is removed once, here: each request opens its own
  // Store (a SQLite connection per thread) and skips that walk of the store.
  cache::Store recovered(options_.root);
  for (const auto& host : options_.hosts) {
    const std::string path = unix_socket_path(host);
    listen_on(*server_, path);
    if (options_.group && ::chown(path.c_str(), ::geteuid(), gid) != 0)
      throw_errno("give the socket `" + path + "` to the group `" + *options_.group + "`");
    spdlog::info("listening on {} (API {}, store {})", host, kApiVersion.str(),
                 options_.root.string());
  }
}

Daemon::~Daemon() = default;

void Daemon::serve() { server_->serve(); }

void Daemon::shutdown() {
  spdlog::info("shutting down: cancelling the running builds, accepting no more requests");
  builds_->cancel_all();
  events_->close();
  server_->stop();
}

}  // namespace gantry::daemon

#include "daemon/daemon.h"

#include <grp.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <variant>

#include "base/error.h"
#include "base/scope_guard.h"
#include "base/unique_fd.h"
#include "cache/store.h"
#include "daemon/api_router.h"
#include "daemon/api_version.h"
#include "daemon/http_server.h"
#include "daemon/image_events.h"
#include "daemon/listen_address.h"
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
// remove images as the daemon's user): it is made under a umask that leaves it mode 0660, then
// given to `group` if there is one.
void listen_on_unix(HttpServer& server, const std::string& path,
                    const std::optional<std::string>& group, gid_t gid) {
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
  if (group && ::chown(path.c_str(), ::geteuid(), gid) != 0)
    throw_errno("give the socket `" + path + "` to the group `" + *group + "`");
}

// Whether TCP listeners serve only clients with a certificate the CA signed.
bool clients_verified(const DaemonOptions& options) {
  return options.tls && !options.tls->client_ca.empty();
}

// Refuses a TCP listener that anyone reaching its port could use, unless --insecure-tcp asks for
// one, and options that no listener would apply.
void check_listeners(const DaemonOptions& options, const std::vector<ListenAddress>& addresses) {
  bool unix_socket = false, tcp = false;
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    if (std::holds_alternative<UnixAddress>(addresses[i])) {
      unix_socket = true;
      continue;
    }
    tcp = true;
    if (!clients_verified(options) && !options.insecure_tcp)
      throw UsageError("-H `" + options.hosts[i] + "`: " +
                       (options.tls ? "TLS without client certificates (--tlsverify=false)"
                                    : "TCP without TLS") +
                       " lets anyone who reaches the port use the daemon (build, pull, push and "
                       "remove images); give --tlsverify with --tlscacert, --tlscert and "
                       "--tlskey, or --insecure-tcp to accept that");
  }
  if (options.insecure_tcp && (!tcp || clients_verified(options)))
    throw UsageError("--insecure-tcp: no -H tcp:// listener serves clients without a certificate");
  if (options.tls && !tcp)
    throw UsageError(
        "--tls/--tlsverify: no -H tcp:// listener to speak TLS on (unix sockets never do)");
  if (options.group && !unix_socket)
    throw UsageError("--group `" + *options.group + "`: no -H unix:// socket to give to it");
}

void listen_on_tcp(HttpServer& server, const TcpAddress& address, const DaemonOptions& options) {
  try {
    server.listen_tcp(address.host, address.port, options.tls);
  } catch (const std::system_error& e) {
    throw Error(e.what());
  } catch (const std::invalid_argument& e) {  // a TLS file
    throw Error(std::string("TLS: ") + e.what());
  }
}

}  // namespace

void check_options(const DaemonOptions& options) {
  if (options.hosts.empty()) throw UsageError("daemon: no -H socket to listen on");
  std::vector<ListenAddress> addresses;
  for (const auto& host : options.hosts)
    addresses.push_back(parse_listen_address(host, options.tls.has_value()));
  check_listeners(options, addresses);
}

Daemon::Daemon(DaemonOptions options)
    : options_(std::move(options)),
      builds_(std::make_unique<RunningBuilds>()),
      events_(std::make_unique<ImageEvents>()),
      router_(std::make_unique<ApiRouter>(options_, *builds_, *events_)),
      server_(make_http_server([this](HttpRequest& request) { return router_->handle(request); })) {
  // Every -H is read and checked, and the group looked up, before any socket exists, so that a
  // mistake leaves none.
  check_options(options_);
  std::vector<ListenAddress> addresses;
  for (const auto& host : options_.hosts)
    addresses.push_back(parse_listen_address(host, options_.tls.has_value()));
  const gid_t gid = options_.group ? group_id(*options_.group) : 0;
  // What crashed processes left half-done is removed once, here: each request opens its own
  // Store (a SQLite connection per thread) and skips that walk of the store.
  cache::Store recovered(options_.root);
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    if (const auto* unix_address = std::get_if<UnixAddress>(&addresses[i]))
      listen_on_unix(*server_, unix_address->path, options_.group, gid);
    else
      listen_on_tcp(*server_, std::get<TcpAddress>(addresses[i]), options_);
  }
  // Said once every listener is there: a daemon that failed to start says nothing else.
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    const bool tcp = std::holds_alternative<TcpAddress>(addresses[i]);
    if (tcp && !clients_verified(options_))
      spdlog::warn(
          "{}: serving clients without a certificate (--insecure-tcp): anyone who "
          "reaches the port can build, pull, push and remove images",
          options_.hosts[i]);
    spdlog::info("listening on {}{} (API {}, store {})", options_.hosts[i],
                 tcp && options_.tls ? " with TLS" : "", kApiVersion.str(), options_.root.string());
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

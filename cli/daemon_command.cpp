// `gantry daemon`: the Docker Engine API on unix sockets and TCP (daemon/), with dockerd's -H,
// --group and TLS flags, until SIGTERM or SIGINT, which drain it: no new connection, the running
// builds cancelled, the sockets removed, exit 0. Logs go to stderr.
#include <signal.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <utility>

#include "base/error.h"
#include "cli/command.h"
#include "cli/registry_flags.h"
#include "daemon/daemon.h"
#include "engine/cache_spec.h"

namespace gantry::cli {

namespace {

struct DaemonFlags {
  std::vector<std::string> hosts;
  std::string group;
  bool tls = false;
  bool tlsverify = false;
  std::string tlscacert, tlscert, tlskey;  // empty: not given
  bool insecure_tcp = false;
  CLI::Option* tlsverify_option = nullptr;  // given at all (even =false), it turns TLS on
  RegistryFlags registry;
  std::vector<std::string> cache_from, cache_to;  // as gantry build's, for every build
  bool validate = false;
};

// Where dockerd looks for the TLS files not given: $DOCKER_CERT_PATH, else $DOCKER_CONFIG, else
// ~/.docker.
std::filesystem::path default_cert_dir() {
  for (const char* variable : {"DOCKER_CERT_PATH", "DOCKER_CONFIG"})
    if (const char* dir = std::getenv(variable); dir && *dir) return dir;
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home && *home ? home : "/root") / ".docker";
}

// dockerd's TLS flags read as dockerd (since 20.10) reads them: --tlsverify, even =false, turns
// TLS on; --tls alone verifies clients too; --tlsverify=false serves any client over TLS.
std::optional<daemon::TlsFiles> tls_files(const DaemonFlags& f) {
  const bool verify_given = f.tlsverify_option->count() > 0;
  if (!f.tls && !verify_given) {
    for (const auto& [flag, value] :
         {std::pair{"--tlscacert", &f.tlscacert}, std::pair{"--tlscert", &f.tlscert},
          std::pair{"--tlskey", &f.tlskey}})
      if (!value->empty())
        throw UsageError(std::string(flag) + ": TLS is off; add --tlsverify (or --tls)");
    return std::nullopt;
  }
  const bool verify = verify_given ? f.tlsverify : true;
  if (!verify && !f.tlscacert.empty())
    throw UsageError("--tlscacert: clients are not verified (--tlsverify=false), so no CA is read");
  auto file = [&f](const std::string& given, const char* name) {
    return given.empty() ? (default_cert_dir() / name).string() : given;
  };
  return daemon::TlsFiles{.cert = file(f.tlscert, "cert.pem"),
                          .key = file(f.tlskey, "key.pem"),
                          .client_ca = verify ? file(f.tlscacert, "ca.pem") : ""};
}

// With TLS, dockerd's TCP port on loopback; else dockerd's socket for root, and for another user
// one in its runtime directory.
std::string default_host(bool tls, bool rootless) {
  if (tls) return "tcp://127.0.0.1:2376";
  // Asked of the user who started gantry: a normal user's runs as uid 0 of its user namespace.
  if (!rootless) return "unix:///run/gantry.sock";
  if (const char* runtime = std::getenv("XDG_RUNTIME_DIR"); runtime && *runtime)
    return std::string("unix://") + runtime + "/gantry.sock";
  throw UsageError("daemon: give a socket with -H unix:///PATH ($XDG_RUNTIME_DIR is not set)");
}

daemon::DaemonOptions daemon_options(const GlobalOptions& global, const DaemonFlags& f) {
  std::optional<daemon::TlsFiles> tls = tls_files(f);
  daemon::DaemonOptions options{.root = std::filesystem::absolute(global.state_root()),
                                .hosts = f.hosts.empty() ? std::vector<std::string>{default_host(
                                                               tls.has_value(), global.rootless)}
                                                         : f.hosts,
                                .tls = std::move(tls),
                                .insecure_tcp = f.insecure_tcp,
                                .registry = f.registry.options(global.config),
                                .gc_cap = global.gc_cap(),
                                .version = GANTRY_VERSION};
  if (!f.group.empty()) options.group = f.group;
  for (const auto& spec : f.cache_from)
    options.cache_from.push_back(engine::parse_cache_from(spec));
  for (const auto& spec : f.cache_to) options.cache_to.push_back(engine::parse_cache_to(spec));
  options.cache_credentials = credential_store_from_environment();
  return options;
}

int run_daemon(const GlobalOptions& global, const DaemonFlags& f) {
  if (f.validate) {
    // The flags only, as dockerd --validate checks its configuration: no file is read and no
    // socket opened, so that a deployment's command line can be checked anywhere.
    daemon::check_options(daemon_options(global, f));
    std::puts("configuration OK");
    return 0;
  }
  auto log = spdlog::stderr_logger_mt("gantry-daemon");
  log->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");
  spdlog::set_default_logger(log);
  // A client that hangs up mid-response is an error of that write, not the daemon's death.
  ::signal(SIGPIPE, SIG_IGN);
  daemon::Daemon server(daemon_options(global, f));
  {
    SignalCanceller drain(*global.signals, [&server] { server.shutdown(); });
    server.serve();
  }
  spdlog::info("stopped");
  return 0;
}

}  // namespace

void add_daemon_command(CLI::App& app, GlobalOptions& global, Action& action) {
  auto f = std::make_shared<DaemonFlags>();
  auto* cmd = app.add_subcommand(
      "daemon", "Serve the Docker Engine API (builds and images) on unix sockets and TCP with TLS");
  cmd->add_option("-H,--host", f->hosts,
                  "Socket to listen on, unix:///PATH or tcp://HOST:PORT (port 2376 with TLS, "
                  "else 2375); repeatable (default unix:///run/gantry.sock as root, "
                  "tcp://127.0.0.1:2376 with TLS)")
      ->allow_extra_args(false);
  cmd->add_option("--group", f->group, "Group the unix sockets belong to (mode 0660)");
  cmd->add_flag("--tls", f->tls,
                "Serve TCP over TLS; clients need a certificate unless --tlsverify=false");
  f->tlsverify_option =
      cmd->add_flag("--tlsverify", f->tlsverify,
                    "Serve TCP over TLS to clients with a certificate signed by --tlscacert only; "
                    "=false serves any client");
  cmd->add_option("--tlscacert", f->tlscacert,
                  "CA that signs the client certificates (default ca.pem in $DOCKER_CERT_PATH, "
                  "$DOCKER_CONFIG or ~/.docker)");
  cmd->add_option("--tlscert", f->tlscert, "Server certificate, PEM (default cert.pem there)");
  cmd->add_option("--tlskey", f->tlskey, "Server private key, PEM (default key.pem there)");
  cmd->add_flag("--insecure-tcp", f->insecure_tcp,
                "Allow TCP listeners that serve clients without a certificate (plain TCP, or "
                "--tlsverify=false): anyone who reaches the port controls the daemon");
  cmd->add_option("--cache-from", f->cache_from,
                  "Build cache every build imports, after the request's cachefrom: "
                  "type=registry,ref=REF | type=local,src=DIR | REF (a ref without a tag: a tag "
                  "there for each build's name)");
  cmd->add_option("--cache-to", f->cache_to,
                  "Build cache every build exports: type=registry,ref=REF | type=local,dest=DIR "
                  "[,mode=min|max][,compression=gzip|zstd|uncompressed]");
  cmd->add_flag("--validate", f->validate,
                "Check the flags and exit (reads no TLS file, opens no socket)");
  add_registry_flags(*cmd, f->registry);
  cmd->callback(
      [&global, &action, f] { action = [&global, f] { return run_daemon(global, *f); }; });
}

}  // namespace gantry::cli

// `gantry daemon`: the Docker Engine API on unix sockets (daemon/), with dockerd's -H and
// --group, until SIGTERM or SIGINT, which drain it: no new connection, the running builds
// cancelled, the sockets removed, exit 0. Logs go to stderr.
#include <signal.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>

#include "base/error.h"
#include "cli/command.h"
#include "cli/registry_flags.h"
#include "daemon/daemon.h"

namespace gantry::cli {

namespace {

struct DaemonFlags {
  std::vector<std::string> hosts;
  std::string group;
  RegistryFlags registry;
};

// dockerd's socket for root; for another user, one in its runtime directory.
std::string default_host() {
  if (::geteuid() == 0) return "unix:///run/gantry.sock";
  if (const char* runtime = std::getenv("XDG_RUNTIME_DIR"); runtime && *runtime)
    return std::string("unix://") + runtime + "/gantry.sock";
  throw UsageError("daemon: give a socket with -H unix:///PATH ($XDG_RUNTIME_DIR is not set)");
}

int run_daemon(const GlobalOptions& global, const DaemonFlags& f) {
  auto log = spdlog::stderr_logger_mt("gantry-daemon");
  log->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");
  spdlog::set_default_logger(log);
  // A client that hangs up mid-response is an error of that write, not the daemon's death.
  ::signal(SIGPIPE, SIG_IGN);
  daemon::DaemonOptions options{
      .root = std::filesystem::absolute(global.state_root()),
      .hosts = f.hosts.empty() ? std::vector<std::string>{default_host()} : f.hosts,
      .registry = f.registry.options(global.config),
      .gc_cap = global.gc_cap(),
      .version = GANTRY_VERSION};
  if (!f.group.empty()) options.group = f.group;
  daemon::Daemon server(std::move(options));
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
  auto* cmd = app.add_subcommand("daemon",
                                 "Serve the Docker Engine API (builds and images) on unix sockets");
  cmd->add_option(
         "-H,--host", f->hosts,
         "Socket to listen on, unix:///PATH; repeatable (default unix:///run/gantry.sock as root)")
      ->allow_extra_args(false);
  cmd->add_option("--group", f->group, "Group the sockets belong to (mode 0660)");
  add_registry_flags(*cmd, f->registry);
  cmd->callback(
      [&global, &action, f] { action = [&global, f] { return run_daemon(global, *f); }; });
}

}  // namespace gantry::cli

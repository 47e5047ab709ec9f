// `gantry run --rm IMAGE [CMD...]`: runs a container from an image with the executor, its
// writes thrown away afterwards.
#include <unistd.h>

#include <atomic>
#include <iostream>
#include <memory>
#include <optional>

#include "base/error.h"
#include "base/platform.h"
#include "cache/store.h"
#include "cli/command.h"
#include "cli/limit_flags.h"
#include "cli/security_flags.h"
#include "cli/registry_flags.h"
#include "cli/run_flags.h"
#include "cli/signal_canceller.h"
#include "cli/stderr_messages.h"
#include "cli/terminal_relay.h"
#include "engine/container_spec.h"
#include "engine/registry_images.h"
#include "executor/executor.h"

namespace gantry::cli {

namespace fs = std::filesystem;

namespace {

struct RunFlags {
  bool rm = false;
  std::vector<std::string> env;
  std::vector<std::string> volumes;
  std::string network = "default";
  std::string workdir;
  std::string user;
  std::string pull = "missing";
  std::string platform;  // "": the image's own
  LimitFlags limits;
  ContainerFlags container;
  SecurityFlags security;
  std::vector<std::string> args;  // IMAGE [CMD...]
};

executor::MountSpec parse_volume(const std::string& spec) {
  auto first = spec.find(':');
  if (first == std::string::npos || first == 0)
    throw UsageError("invalid -v `" + spec + "`: want HOST:CONTAINER[:ro]");
  std::string host = spec.substr(0, first), rest = spec.substr(first + 1);
  bool ro = false;
  if (rest.ends_with(":ro")) {
    ro = true;
    rest.resize(rest.size() - 3);
  } else if (rest.ends_with(":rw")) {
    rest.resize(rest.size() - 3);
  }
  if (rest.empty() || rest[0] != '/') throw UsageError("invalid -v `" + spec + "`: the container path must be absolute");
  if (!fs::exists(host)) throw Error("-v `" + spec + "`: `" + host + "` does not exist");
  return executor::BindMount{fs::absolute(host), rest, ro};
}

int run_container(const GlobalOptions& global, const RunFlags& f) {
  engine::ContainerRequest request{.image = f.args.at(0)};
  request.command.assign(f.args.begin() + 1, f.args.end());
  apply_container_flags(f.container, request);  // --env-file's variables come before -e's
  for (const auto& e : f.env) {
    if (auto entry = env_entry(e)) request.env.push_back(std::move(*entry));
  }
  for (const auto& v : f.volumes) request.mounts.emplace_back(parse_volume(v));
  // -t: the container's terminal is relayed from the moment it exists to the end of its output.
  std::optional<TerminalRelay> relay;
  if (f.container.tty) {
    if (f.container.interactive && !::isatty(STDIN_FILENO)) throw UsageError("-it: the input device is not a TTY");
    request.stdio.terminal = [&relay, &f](UniqueFd master) { relay.emplace(std::move(master), f.container.interactive); };
  }
  request.workdir = f.workdir;
  request.user = f.user;
  request.network = f.network == "host"   ? executor::Network::Host
                    : f.network == "none" ? executor::Network::None
                                          : executor::Network::Private;
  request.limits = parse_limits(f.limits);
  request.security = parse_security_options(
      f.security, request.capabilities.value_or(executor::kDefaultCapabilities));
  const engine::PullPolicy pull = engine::parse_pull_policy(f.pull, "--pull");
  if (!f.platform.empty()) request.platform = Platform::parse(f.platform);

  cache::Store store(global.state_root());
  StderrMessages messages;
  executor::Executor executor(store.root() / "executor");
  check_cpuset_available(executor, f.limits, request.limits);
  engine::find_or_pull_image(store, request.image, RegistryFlags{}.access(global.config), pull, request.platform,
                             messages);
  const engine::Container container = engine::prepare_container(store, request);
  warn_unenforced(executor, f.limits, container.spec.limits);
  // In raw mode Ctrl-C is the container's; a signal to gantry still ends the container, and
  // then the relay, which gives the terminal back as it was.
  std::atomic<bool> cancel = false;
  std::optional<SignalCanceller> on_signal;
  if (f.container.tty) on_signal.emplace(*global.signals, [&cancel] { cancel = true; });
  try {
    // Without -t the container writes to gantry's stdout and stderr itself: nothing to stream.
    auto result = executor.run(container.spec, [](executor::Stream, std::string_view) {},
                               on_signal ? &cancel : nullptr);
    if (relay) relay->wait();
    return result.exit_code;
  } catch (const executor::CommandNotExecuted& e) {
    if (relay) relay->wait();
    // docker's codes for a command that never ran: 127 not found, 126 not executable.
    std::cerr << "gantry: " << e.what() << "\n";
    return e.exit_code();
  }
}

// As docker run: 125 for an error of gantry's own, whatever it is, so that it never passes for
// the command's exit code.
int run_or_report(const GlobalOptions& global, const RunFlags& f) {
  try {
    return run_container(global, f);
  } catch (const std::exception& e) {
    std::cerr << "gantry: " << e.what() << "\n";
    return 125;
  }
}

}  // namespace

void add_run_command(CLI::App& app, GlobalOptions& global, Action& action) {
  auto f = std::make_shared<RunFlags>();
  auto* cmd = app.add_subcommand("run", "Run a command in a new container from an image");
  // docker run's -h is the hostname: help is --help alone.
  cmd->set_help_flag("--help", "Print this help message and exit");
  cmd->add_flag("--rm", f->rm, "Remove the container when it exits (always: containers are not kept)");
  cmd->add_option("-e,--env", f->env, "Set an environment variable (KEY=VALUE or KEY)")
      ->allow_extra_args(false);
  cmd->add_option("-v,--volume", f->volumes, "Bind mount HOST:CONTAINER[:ro]")
      ->allow_extra_args(false);
  cmd->add_option("--network", f->network,
                  "default (bridge: a private network with outbound access), host or none")
      ->check(CLI::IsMember({"default", "bridge", "host", "none"}));
  cmd->add_option("-w,--workdir", f->workdir, "Working directory inside the container");
  cmd->add_option("-u,--user", f->user, "User (name|uid[:group|gid])");
  cmd->add_option("--pull", f->pull, "Pull the image before running: always, missing (default) or never");
  cmd->add_option("--platform", f->platform,
                  "Run the image for this os/arch[/variant] (default: the image's own; another than the host's runs under QEMU)");
  add_limit_flags(*cmd, f->limits);
  add_container_flags(*cmd, f->container);
  add_security_flags(*cmd, f->security);
  cmd->add_option("IMAGE", f->args, "IMAGE [COMMAND [ARG...]]")->required();
  // As docker: from the image on, every argument is the container's command's, `-c` included.
  cmd->positionals_at_end();
  cmd->callback([&global, &action, f] { action = [&global, f] { return run_or_report(global, *f); }; });
}

}  // namespace gantry::cli

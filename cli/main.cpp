#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string_view>

#include "base/error.h"
#include "base/quantities.h"
#include "cache/garbage_collector.h"
#include "cli/cli_reference.h"
#include "cli/command.h"
#include "cli/command_needs.h"
#include "cli/empty_option_values.h"
#include "cli/usage_message.h"
#include "executor/rootless.h"
#include "solver/solver.h"

namespace gantry::cli {

std::filesystem::path GlobalOptions::state_root() const {
  if (!root.empty()) return root;
  if (const char* env = std::getenv("GANTRY_ROOT"); env && *env) return env;
  if (config.root) return *config.root;
  if (!rootless) return "/var/lib/gantry";
  if (const char* data = std::getenv("XDG_DATA_HOME"); data && *data)
    return std::filesystem::path(data) / "gantry";
  if (const char* home = std::getenv("HOME"); home && *home)
    return std::filesystem::path(home) / ".local/share/gantry";
  throw UsageError("no state directory: set $HOME or $XDG_DATA_HOME, or give --root");
}

std::int64_t GlobalOptions::gc_cap() const {
  return config.gc_cap ? parse_size(*config.gc_cap) : cache::default_gc_cap(state_root());
}

namespace {

// The value of the global --config, found before the commands are added: the config gives
// their flags' defaults. Global options come before the command; --root is the other one
// that takes a value.
std::optional<std::filesystem::path> config_argument(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--config") {
      if (i + 1 >= argc) throw UsageError("--config: needs a file");
      return argv[i + 1];
    }
    if (arg.starts_with("--config=")) return std::string(arg.substr(9));
    if (arg == "--root") ++i;
    else if (!arg.starts_with("-")) break;  // the command
  }
  return std::nullopt;
}

int run(int argc, char** argv) {
  CLI::App app{"gantry builds container images from Dockerfiles, like docker build."};
  app.name("gantry");
  app.require_subcommand(1);
  GlobalOptions global;
  global.rootless = ::geteuid() != 0;
  global.config = load_config(config_argument(argc, argv));
  app.add_option("--root", global.root,
                 "State directory (default $GANTRY_ROOT, else /var/lib/gantry as root and "
                 "$XDG_DATA_HOME/gantry (~/.local/share/gantry) as another user)");
  std::string config_file;  // read above, by config_argument
  app.add_option("--config", config_file,
                 "Config file to read instead of the default ones (default $GANTRY_CONFIG_FILE); "
                 "a JSON file is read as a docker daemon.json");
  Action action;
  add_build_command(app, global, action);
  add_bake_command(app, global, action);
  add_image_commands(app, global, action);
  add_run_command(app, global, action);
  add_storage_commands(app, global, action);
  add_info_commands(app, global, action);
  add_docs_command(app, action);
  add_registry_commands(app, global, action);
  add_daemon_command(app, global, action);

  try {
    std::vector<std::string> args = with_empty_values_spelled_out(app, argc, argv);
    std::reverse(args.begin(), args.end());  // CLI11 takes them last first
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    std::cerr << "gantry: " << usage_message(app, e) << "\n";
    return 125;
  }
  const CommandNeeds needs = command_needs(app);
  if (needs.container_ids && global.rootless) {
    const executor::UserNamespace ns = executor::enter_user_namespace(rootless_user());
    if (!ns.limitation.empty()) std::cerr << "gantry: " << ns.limitation << "\n";
    if (needs.private_mounts) std::cerr << "gantry: " << executor::kNoCgroupsNote << "\n";
  }
  // Mounts made by file ops stay private to this process and vanish with it.
  if (needs.private_mounts) solver::isolate_mounts();
  // Before any thread exists, so that every thread has SIGINT and SIGTERM blocked.
  SignalReceiver signals;
  global.signals = &signals;
  return action ? action() : 0;
}

}  // namespace
}  // namespace gantry::cli

int main(int argc, char** argv) {
  try {
    return gantry::cli::run(argc, argv);
  } catch (const gantry::solver::Cancelled& e) {
    std::cerr << "gantry: " << e.what() << "\n";
    return 130;  // as a shell reports an interrupted command
  } catch (const gantry::UsageError& e) {
    std::cerr << "gantry: " << e.what() << "\n";
    return 125;
  } catch (const std::exception& e) {
    std::cerr << "gantry: " << e.what() << "\n";
    return 1;
  }
}

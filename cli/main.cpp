#include <cstdlib>
#include <iostream>

#include "base/error.h"
#include "base/quantities.h"
#include "cache/garbage_collector.h"
#include "cli/cli_reference.h"
#include "cli/command.h"
#include "cli/usage_message.h"
#include "solver/solver.h"

namespace gantry::cli {

std::filesystem::path GlobalOptions::state_root() const {
  if (!root.empty()) return root;
  if (const char* env = std::getenv("GANTRY_ROOT"); env && *env) return env;
  if (config.root) return *config.root;
  return "/var/lib/gantry";
}

std::int64_t GlobalOptions::gc_cap() const {
  return config.gc_cap ? parse_size(*config.gc_cap) : cache::default_gc_cap(state_root());
}

namespace {

int run(int argc, char** argv) {
  CLI::App app{"gantry builds container images from Dockerfiles, like docker build."};
  app.name("gantry");
  app.require_subcommand(1);
  GlobalOptions global;
  global.config = load_config();
  app.add_option("--root", global.root, "State directory (default $GANTRY_ROOT or /var/lib/gantry)");
  Action action;
  add_build_command(app, global, action);
  add_bake_command(app, global, action);
  add_image_commands(app, global, action);
  add_run_command(app, global, action);
  add_storage_commands(app, global, action);
  add_info_commands(app, global, action);
  add_docs_command(app, action);
  add_registry_commands(app, global, action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    std::cerr << "gantry: " << usage_message(app, e) << "\n";
    return 125;
  }
  // Mounts made by file ops stay private to this process and vanish with it.
  solver::isolate_mounts();
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

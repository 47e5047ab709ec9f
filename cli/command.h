// The gantry command line: one file per verb, each adding its CLI11 subcommand. A verb's
// callback runs after parsing, inside main's single error handler, which prints
// "gantry: <message>" and exits 125 for usage errors, 1 for failures (as docker does).
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "cli/config/gantry_config.h"
#include "cli/signal_canceller.h"

namespace gantry::cli {

struct GlobalOptions {
  // --root; else $GANTRY_ROOT; else the config's root; else /var/lib/gantry for root and
  // $XDG_DATA_HOME/gantry (~/.local/share/gantry) for another user
  std::string root;
  // Started by a user other than root: state under the user's home, builds in a user namespace.
  // Kept from the start, since inside the user namespace gantry runs as its uid 0.
  bool rootless = false;
  GantryConfig config;  // loaded before the commands are added: it gives their flags' defaults
  SignalReceiver* signals = nullptr;  // the process's, made before any thread (signal_canceller.h)
  std::filesystem::path state_root() const;
  // The build cache size the automatic GC after a build keeps: the config's gc.cap, else
  // cache::default_gc_cap of the state root.
  std::int64_t gc_cap() const;
};

// What main runs once argv has been parsed.
using Action = std::function<int()>;

void add_build_command(CLI::App& app, GlobalOptions& global, Action& action);
void add_bake_command(CLI::App& app, GlobalOptions& global, Action& action);
void add_image_commands(CLI::App& app, GlobalOptions& global, Action& action);
void add_run_command(CLI::App& app, GlobalOptions& global, Action& action);
void add_storage_commands(CLI::App& app, GlobalOptions& global, Action& action);
void add_info_commands(CLI::App& app, GlobalOptions& global, Action& action);
void add_registry_commands(CLI::App& app, GlobalOptions& global, Action& action);
void add_daemon_command(CLI::App& app, GlobalOptions& global, Action& action);

}  // namespace gantry::cli

#include "cli/command_needs.h"

#include <pwd.h>
#include <unistd.h>

#include <string>
#include <string_view>

namespace gantry::cli {

namespace {

const CLI::App* innermost(const CLI::App& app) {
  const CLI::App* chosen = &app;
  while (true) {
    auto subcommands = chosen->get_subcommands();
    if (subcommands.empty()) return chosen;
    chosen = subcommands.front();
  }
}

}  // namespace

CommandNeeds command_needs(const CLI::App& app) {
  const std::string_view name = innermost(app)->get_name();
  for (std::string_view mounting : {"build", "bake", "run", "daemon"})
    if (name == mounting) return {.private_mounts = true, .container_ids = true};
  // Unpack, remove or pack the store's trees: a built layer is packed from its tree (push,
  // save), and read outside the namespace its files would show the host's subordinate ids.
  for (std::string_view tree_reading : {"import", "pull", "prune", "push", "save"})
    if (name == tree_reading) return {.private_mounts = false, .container_ids = true};
  return {};
}

executor::RootlessUser rootless_user() {
  const uid_t uid = ::getuid();
  const passwd* entry = ::getpwuid(uid);
  return {.name = entry ? entry->pw_name : std::to_string(uid), .uid = uid, .gid = ::getgid()};
}

}  // namespace gantry::cli

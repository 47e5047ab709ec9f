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
  for (std::string_view tree_writing : {"import", "pull", "prune"})
    if (name == tree_writing) return {.private_mounts = false, .container_ids = true};
  return {};
}

executor::RootlessUser rootless_user() {
  const uid_t uid = ::getuid();
  const passwd* entry = ::getpwuid(uid);
  return {.name = entry ? entry->pw_name : std::to_string(uid), .uid = uid, .gid = ::getgid()};
}

}  // namespace gantry::cli

// What a command needs of the kernel beyond a plain process. Most commands read and write the
// store's database and blobs, which any user can; the ones that mount (overlays for RUN and file
// ops) need a private mount namespace, and as a normal user also a user namespace, in which the
// store's trees are owned by the container's uids (subordinate ids on the host). Commands that
// unpack, remove or pack those trees (import, pull, prune, push, save) need the user namespace
// too.
#pragma once

#include <CLI/CLI.hpp>

#include "executor/rootless.h"

namespace gantry::cli {

struct CommandNeeds {
  bool private_mounts = false;  // a mount namespace of its own (mounts vanish with the process)
  bool container_ids = false;   // as a normal user: the user namespace that maps container ids
};

// The needs of the command `app` parsed (its innermost subcommand: `image prune` as `prune`).
CommandNeeds command_needs(const CLI::App& app);

// The user running gantry, whom a normal user's gantry maps container uid 0 to, named as
// /etc/subuid names it.
executor::RootlessUser rootless_user();

}  // namespace gantry::cli

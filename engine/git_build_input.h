// A build whose context is a Git repository (`gantry build https://host/repo.git#ref:subdir`):
// the commit the ref names is checked out into the store (solver/git_source.h: cached by
// commit, so an unchanged commit is not fetched again) and that snapshot is the context
// directory. -f names a file inside the checkout, as docker reads it for a remote context.
#pragma once

#include <filesystem>
#include <istream>
#include <string>

#include "base/git_url.h"
#include "cache/store.h"
#include "engine/build_input.h"
#include "engine/registry_access.h"
#include "solver/git_source.h"

namespace gantry::engine {

// How git reaches a remote for a build: through `ssh_agent` ("" = no agent) for ssh remotes,
// and with the credentials `registry` holds for the host (docker's config.json and credential
// helpers) as HTTP Basic authorization for http(s) remotes.
solver::GitAccess git_access(const RegistryAccess& registry, const std::filesystem::path& ssh_agent);

// The checkout stays in the store: BuildInput::unpacked stays empty. Throws Error naming the URL
// (unreachable, unknown ref, no such subdir) or the Dockerfile; UsageError for a -f that leaves
// the checkout.
BuildInput resolve_git_build_input(cache::Store& store, const GitUrl& url, const std::string& file, std::istream& in,
                                   const solver::GitAccess& access, bool keep_git_dir);

}  // namespace gantry::engine

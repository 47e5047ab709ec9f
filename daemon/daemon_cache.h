// The build cache every build of a daemon imports and exports (`gantry daemon --cache-from
// type=registry,ref=R --cache-to type=registry,ref=R,mode=max`), so that daemons on separate
// stores share their steps through a registry.
//
// A registry ref without a tag is a repository for many builds: each build gets a tag of its
// own there, made of its first name and its Dockerfile's path ("app_latest-3f9a0c1e"), the same
// on every daemon, so that a build of `-t app` reads what the last build of `-t app` (on any
// daemon) wrote, and builds of other projects do not replace it. A ref with a tag is used as
// given by every build: the last build's cache is the one kept there.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/cache_spec.h"
#include "registry/credentials.h"

namespace gantry::daemon {

// `specs` as one build uses them; `first_tag` "" for a build without a name.
std::vector<engine::CacheSpec> daemon_cache_for_build(const std::vector<engine::CacheSpec>& specs,
                                                      const std::string& first_tag,
                                                      const std::string& dockerfile);

// Adds to `config_file` (a docker config.json for a build's CredentialStore, {"auths": {...}})
// what `daemon_credentials` hold for the registry of each registry spec in `specs`, in place of
// what the client sent for that host: the daemon's cache registry is the daemon's to reach.
// Throws Error naming a credential helper that fails.
void add_cache_credentials(nlohmann::json& config_file, const std::vector<engine::CacheSpec>& specs,
                           const registry::CredentialStore& daemon_credentials);

}  // namespace gantry::daemon

// The flags every verb that talks to a registry takes (pull, push, login, build, bake).
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "cli/config/gantry_config.h"
#include "engine/registry_access.h"
#include "registry/registry_options.h"

namespace gantry::cli {

struct RegistryFlags {
  std::vector<std::string> insecure_registries;
  std::string ca_file;

  // With the config file's registry mirrors and insecure registries, and what the environment
  // adds ($GANTRY_REGISTRY_CA, $GANTRY_CONFIG's insecure-registries).
  registry::RegistryOptions options(const GantryConfig& config) const;
  // Those options, and the credentials of credential_store_from_environment().
  engine::RegistryAccess access(const GantryConfig& config) const;
};

// Where credentials are found: $GANTRY_CONFIG (a file in docker's config.json form) if set,
// then $DOCKER_CONFIG/config.json, else ~/.docker/config.json; credential helpers
// (docker-credential-NAME) are looked for in $PATH, as docker looks for them.
registry::CredentialStore credential_store_from_environment();

void add_registry_flags(CLI::App& command, RegistryFlags& flags);

}  // namespace gantry::cli

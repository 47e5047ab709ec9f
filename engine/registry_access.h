// How the engine reaches registries for one request: the transport options (mirrors, insecure
// hosts, CAs, timeouts) and where credentials are found, both given by the front end (the CLI
// reads them from flags, the config file and the environment).
#pragma once

#include "registry/credentials.h"
#include "registry/registry_options.h"

namespace gantry::engine {

struct RegistryAccess {
  registry::RegistryOptions options;
  registry::CredentialStore credentials;
};

}  // namespace gantry::engine

#include "cli/registry_flags.h"

namespace gantry::cli {

registry::RegistryOptions RegistryFlags::options(const GantryConfig& config) const {
  registry::RegistryOptions options{.insecure_registries = insecure_registries, .ca_file = ca_file,
                                    .mirrors = config.registry_mirrors};
  options.insecure_registries.insert(options.insecure_registries.end(), config.insecure_registries.begin(),
                                     config.insecure_registries.end());
  return options.with_environment();
}

engine::RegistryAccess RegistryFlags::access(const GantryConfig& config) const {
  return {options(config), registry::CredentialStore::from_environment()};
}

void add_registry_flags(CLI::App& command, RegistryFlags& flags) {
  command.add_option("--insecure-registry", flags.insecure_registries,
                     "HOST:PORT to reach over plain HTTP or unverified TLS")
      ->allow_extra_args(false);
  command.add_option("--registry-ca", flags.ca_file, "A PEM CA certificate to trust for registries");
}

}  // namespace gantry::cli

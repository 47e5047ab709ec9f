#include "cli/registry_flags.h"

#include "base/error.h"

namespace gantry::cli {

registry::RegistryOptions RegistryFlags::options(const GantryConfig& config) const {
  registry::RegistryOptions options{.insecure_registries = insecure_registries, .ca_file = ca_file,
                                    .mirrors = config.registry_mirrors};
  options.insecure_registries.insert(options.insecure_registries.end(), config.insecure_registries.begin(),
                                     config.insecure_registries.end());
  // A mirror entry that is neither a host nor an http(s) URL fails now, naming where it came from.
  for (const auto& [registry, entries] : options.mirrors)
    for (const auto& entry : entries) {
      try {
        registry::parse_mirror(entry);
      } catch (const UsageError& e) {
        std::string files;
        for (const auto& f : config.sources) files += (files.empty() ? "" : ", ") + f.string();
        throw UsageError("config (" + files + "): mirrors of " + registry + ": " + e.what());
      }
    }
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

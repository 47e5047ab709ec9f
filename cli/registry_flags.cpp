#include "cli/registry_flags.h"

#include <cstdlib>

#include "base/error.h"

namespace gantry::cli {

namespace fs = std::filesystem;

registry::CredentialStore credential_store_from_environment() {
  std::vector<fs::path> files;
  if (const char* gantry = std::getenv("GANTRY_CONFIG"); gantry && *gantry)
    files.emplace_back(gantry);
  if (const char* docker = std::getenv("DOCKER_CONFIG"); docker && *docker)
    files.push_back(fs::path(docker) / "config.json");
  else if (const char* home = std::getenv("HOME"); home && *home)
    files.push_back(fs::path(home) / ".docker" / "config.json");
  else
    files.emplace_back("/root/.docker/config.json");
  // Empty entries of $PATH are skipped: they would mean the working directory.
  std::vector<fs::path> helper_dirs;
  if (const char* path = std::getenv("PATH"))
    for (std::string_view rest = path; !rest.empty();) {
      const auto colon = rest.find(':');
      if (auto dir = rest.substr(0, colon); !dir.empty()) helper_dirs.emplace_back(dir);
      rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
    }
  return registry::CredentialStore(std::move(files), std::move(helper_dirs));
}

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
  return {options(config), credential_store_from_environment()};
}

void add_registry_flags(CLI::App& command, RegistryFlags& flags) {
  command.add_option("--insecure-registry", flags.insecure_registries,
                     "HOST:PORT to reach over plain HTTP or unverified TLS")
      ->allow_extra_args(false);
  command.add_option("--registry-ca", flags.ca_file, "A PEM CA certificate to trust for registries");
}

}  // namespace gantry::cli

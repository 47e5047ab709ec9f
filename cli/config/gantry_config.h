// gantry's settings from YAML files, lowest precedence first:
//   /etc/gantry/config.yaml           (system)
//   ~/.config/gantry/config.yaml      (user; $XDG_CONFIG_HOME/gantry/config.yaml when set)
// $GANTRY_CONFIG_FILE, when set, is read instead of both (tests, scripts). A key in a later
// file wins; environment variables and flags win over every file (the commands apply them).
//
//   root: /var/lib/gantry
//   gc:
//     cap: 20GB                  # automatic GC after builds keeps the store under this
//   progress: plain              # default --progress
//   max-parallelism: 4           # default --max-parallelism
//   registry:
//     mirrors:
//       docker.io: [mirror.example.com]
//     insecure: [localhost:5000]
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace gantry::cli {

struct GantryConfig {
  std::optional<std::string> root;
  std::optional<std::string> gc_cap;  // a size as --keep-storage takes it
  std::optional<std::string> progress;
  std::optional<int> max_parallelism;
  std::map<std::string, std::vector<std::string>> registry_mirrors;  // registry host -> mirrors
  std::vector<std::string> insecure_registries;
  std::vector<std::filesystem::path> sources;  // the files read, in order
};

// Parses one file's text; throws Error "<label>: ..." for bad YAML, unknown keys or wrong types.
GantryConfig parse_config(const std::string& yaml, const std::string& label);

// `over`'s keys replace `base`'s.
void merge_config(GantryConfig& base, const GantryConfig& over);

// Reads the files above that exist.
GantryConfig load_config();

}  // namespace gantry::cli

namespace gantry::cli {

// Defaults for flags the user did not give: the environment ($GANTRY_PROGRESS, else
// $BUILDKIT_PROGRESS as docker reads it; $GANTRY_MAX_PARALLELISM), else the config, else
// "auto" and 0 (the solver's own choice).
std::string default_progress(const GantryConfig& config);
int default_max_parallelism(const GantryConfig& config);

}  // namespace gantry::cli

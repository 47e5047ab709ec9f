// gantry's settings from YAML files, lowest precedence first:
//   /etc/gantry/config.yaml           (system)
//   ~/.config/gantry/config.yaml      (user; $XDG_CONFIG_HOME/gantry/config.yaml when set)
// The global option --config FILE, else $GANTRY_CONFIG_FILE, names one file read instead of
// both. A key in a later file wins; environment variables and flags win over every file (the
// commands apply them). docs/config.md describes every key.
//
//   root: /var/lib/gantry
//   gc:
//     cap: 20GB                  # automatic GC after builds keeps the store under this
//   progress: plain              # default --progress
//   max-parallelism: 4           # default --max-parallelism
//   registry:
//     mirrors:
//       docker.io: [mirror.example.com, "http://127.0.0.1:5000"]
//     insecure: [localhost:5000]
//     daemon-json: /etc/docker/daemon.json
//
// A docker daemon.json supplies registry settings as dockerd reads them: "registry-mirrors"
// (mirrors of docker.io) and "insecure-registries". It is named by registry.daemon-json (its
// settings come before the naming file's own, which win), or is the file --config or
// $GANTRY_CONFIG_FILE names (a JSON file there is read as a daemon.json). Its other keys
// configure dockerd and are not gantry's.
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
  std::optional<std::filesystem::path> daemon_json;  // registry.daemon-json, as written
  std::vector<std::filesystem::path> sources;  // the files read, in order
};

// Parses one file's text; throws Error "<label>: ..." for bad YAML, unknown keys or wrong types.
GantryConfig parse_config(const std::string& yaml, const std::string& label);

// The registry settings of a docker daemon.json's text: "registry-mirrors" as mirrors of
// docker.io, "insecure-registries". Throws Error "<label>: ..." for bad JSON or wrong types.
GantryConfig parse_daemon_json(const std::string& json, const std::string& label);

// `over`'s keys replace `base`'s.
void merge_config(GantryConfig& base, const GantryConfig& over);

// Reads the files above that exist; `only` (--config) is read instead, and must exist. A
// daemon.json a file names is read too (a relative path is from that file's directory).
GantryConfig load_config(const std::optional<std::filesystem::path>& only = std::nullopt);

}  // namespace gantry::cli

namespace gantry::cli {

// Defaults for flags the user did not give: the environment ($GANTRY_PROGRESS, else
// $BUILDKIT_PROGRESS as docker reads it; $GANTRY_MAX_PARALLELISM), else the config, else
// "auto" and 0 (the solver's own choice).
std::string default_progress(const GantryConfig& config);
int default_max_parallelism(const GantryConfig& config);

}  // namespace gantry::cli

#include "cli/config/gantry_config.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <set>

#include "base/error.h"
#include "base/file_util.h"

namespace gantry::cli {

namespace fs = std::filesystem;

namespace {

// Typos in a config file are reported, not silently ignored.
void check_keys(const YAML::Node& map, const std::set<std::string>& known, const std::string& where) {
  if (!map.IsMap()) throw Error(where + ": expected a mapping");
  for (const auto& kv : map) {
    auto key = kv.first.as<std::string>();
    if (!known.count(key)) throw Error(where + ": unknown key `" + key + "`");
  }
}

std::vector<std::string> string_list(const YAML::Node& n, const std::string& where) {
  if (!n.IsSequence()) throw Error(where + ": expected a list");
  return n.as<std::vector<std::string>>();
}

}  // namespace

GantryConfig parse_config(const std::string& yaml, const std::string& label) {
  GantryConfig c;
  try {
    YAML::Node root = YAML::Load(yaml);
    if (root.IsNull()) return c;
    check_keys(root, {"root", "gc", "progress", "max-parallelism", "registry"}, label);
    if (root["root"]) c.root = root["root"].as<std::string>();
    if (auto gc = root["gc"]) {
      check_keys(gc, {"cap"}, label + ": gc");
      if (gc["cap"]) c.gc_cap = gc["cap"].as<std::string>();
    }
    if (root["progress"]) c.progress = root["progress"].as<std::string>();
    if (root["max-parallelism"]) {
      c.max_parallelism = root["max-parallelism"].as<int>();
      if (*c.max_parallelism < 1) throw Error(label + ": max-parallelism must be at least 1");
    }
    if (auto reg = root["registry"]) {
      check_keys(reg, {"mirrors", "insecure"}, label + ": registry");
      if (auto mirrors = reg["mirrors"]) {
        if (!mirrors.IsMap()) throw Error(label + ": registry.mirrors: expected a mapping of registry to mirrors");
        for (const auto& kv : mirrors) {
          auto registry = kv.first.as<std::string>();
          c.registry_mirrors[registry] = string_list(kv.second, label + ": registry.mirrors." + registry);
        }
      }
      if (reg["insecure"]) c.insecure_registries = string_list(reg["insecure"], label + ": registry.insecure");
    }
  } catch (const YAML::Exception& e) {
    throw Error(label + ": " + e.what());
  }
  return c;
}

void merge_config(GantryConfig& base, const GantryConfig& over) {
  if (over.root) base.root = over.root;
  if (over.gc_cap) base.gc_cap = over.gc_cap;
  if (over.progress) base.progress = over.progress;
  if (over.max_parallelism) base.max_parallelism = over.max_parallelism;
  for (const auto& [registry, mirrors] : over.registry_mirrors) base.registry_mirrors[registry] = mirrors;
  if (!over.insecure_registries.empty()) base.insecure_registries = over.insecure_registries;
  base.sources.insert(base.sources.end(), over.sources.begin(), over.sources.end());
}

GantryConfig load_config() {
  std::vector<fs::path> files;
  if (const char* only = std::getenv("GANTRY_CONFIG_FILE"); only && *only) {
    files.emplace_back(only);
  } else {
    files.emplace_back("/etc/gantry/config.yaml");
    if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg) files.push_back(fs::path(xdg) / "gantry/config.yaml");
    else if (const char* home = std::getenv("HOME"); home && *home) files.push_back(fs::path(home) / ".config/gantry/config.yaml");
  }
  GantryConfig merged;
  for (const auto& f : files) {
    if (!fs::exists(f)) continue;
    GantryConfig one = parse_config(read_file(f), "config file `" + f.string() + "`");
    one.sources.push_back(f);
    merge_config(merged, one);
  }
  return merged;
}

}  // namespace gantry::cli

namespace gantry::cli {

std::string default_progress(const GantryConfig& config) {
  for (const char* var : {"GANTRY_PROGRESS", "BUILDKIT_PROGRESS"})
    if (const char* v = std::getenv(var); v && *v) return v;
  return config.progress.value_or("auto");
}

int default_max_parallelism(const GantryConfig& config) {
  if (const char* v = std::getenv("GANTRY_MAX_PARALLELISM"); v && *v) {
    try {
      int n = std::stoi(v);
      if (n >= 1) return n;
    } catch (const std::exception&) {
    }
    throw UsageError(std::string("GANTRY_MAX_PARALLELISM `") + v + "`: not a positive number");
  }
  return config.max_parallelism.value_or(0);
}

}  // namespace gantry::cli

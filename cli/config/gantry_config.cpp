#include "cli/config/gantry_config.h"

#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>

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
      check_keys(reg, {"mirrors", "insecure", "daemon-json"}, label + ": registry");
      if (auto mirrors = reg["mirrors"]) {
        if (!mirrors.IsMap()) throw Error(label + ": registry.mirrors: expected a mapping of registry to mirrors");
        for (const auto& kv : mirrors) {
          auto registry = kv.first.as<std::string>();
          c.registry_mirrors[registry] = string_list(kv.second, label + ": registry.mirrors." + registry);
        }
      }
      if (reg["insecure"]) c.insecure_registries = string_list(reg["insecure"], label + ": registry.insecure");
      if (reg["daemon-json"]) c.daemon_json = reg["daemon-json"].as<std::string>();
    }
  } catch (const YAML::Exception& e) {
    throw Error(label + ": " + e.what());
  }
  return c;
}

GantryConfig parse_daemon_json(const std::string& text, const std::string& label) {
  GantryConfig c;
  nlohmann::json daemon;
  try {
    daemon = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(label + ": not valid JSON: " + e.what());
  }
  if (!daemon.is_object()) throw Error(label + ": expected a JSON object");
  auto strings = [&](const char* key) {
    std::vector<std::string> out;
    if (!daemon.contains(key)) return out;
    const auto& list = daemon[key];
    if (!list.is_array()) throw Error(label + ": \"" + key + "\": expected a list of strings");
    for (const auto& item : list) {
      if (!item.is_string()) throw Error(label + ": \"" + key + "\": expected a list of strings");
      out.push_back(item.get<std::string>());
    }
    return out;
  };
  // dockerd applies its mirrors to Docker Hub only.
  if (auto mirrors = strings("registry-mirrors"); !mirrors.empty()) c.registry_mirrors["docker.io"] = mirrors;
  c.insecure_registries = strings("insecure-registries");
  for (const auto& host : c.insecure_registries)
    if (host.find('/') != std::string::npos)
      throw Error(label + ": \"insecure-registries\": `" + host +
                  "`: CIDR ranges are not supported, name each registry HOST[:PORT]");
  return c;
}

void merge_config(GantryConfig& base, const GantryConfig& over) {
  if (over.root) base.root = over.root;
  if (over.gc_cap) base.gc_cap = over.gc_cap;
  if (over.progress) base.progress = over.progress;
  if (over.max_parallelism) base.max_parallelism = over.max_parallelism;
  for (const auto& [registry, mirrors] : over.registry_mirrors) base.registry_mirrors[registry] = mirrors;
  if (!over.insecure_registries.empty()) base.insecure_registries = over.insecure_registries;
  if (over.daemon_json) base.daemon_json = over.daemon_json;
  base.sources.insert(base.sources.end(), over.sources.begin(), over.sources.end());
}

namespace {

// A daemon.json by name, or by content: YAML would read JSON too, and then reject its keys.
bool is_daemon_json(const fs::path& file, const std::string& text) {
  if (file.extension() == ".json") return true;
  auto parsed = nlohmann::json::parse(text, nullptr, false);
  return parsed.is_object();
}

GantryConfig read_daemon_json(const fs::path& file) {
  const std::string label = "daemon.json `" + file.string() + "`";
  if (!fs::exists(file)) throw Error(label + ": no such file");
  GantryConfig c = parse_daemon_json(read_file(file), label);
  c.sources.push_back(file);
  return c;
}

// One file's settings; a daemon.json it names comes first and its own keys win.
GantryConfig read_config_file(const fs::path& file) {
  const std::string text = read_file(file);
  if (is_daemon_json(file, text)) {
    GantryConfig c = parse_daemon_json(text, "config file `" + file.string() + "`");
    c.sources.push_back(file);
    return c;
  }
  GantryConfig own = parse_config(text, "config file `" + file.string() + "`");
  own.sources.push_back(file);
  if (!own.daemon_json) return own;
  const fs::path daemon = own.daemon_json->is_absolute() ? *own.daemon_json : file.parent_path() / *own.daemon_json;
  GantryConfig c = read_daemon_json(daemon);
  merge_config(c, own);
  return c;
}

}  // namespace

GantryConfig load_config(const std::optional<fs::path>& only) {
  std::vector<fs::path> files;
  if (only) {
    if (!fs::exists(*only)) throw UsageError("--config `" + only->string() + "`: no such file");
    files.push_back(*only);
  } else if (const char* named = std::getenv("GANTRY_CONFIG_FILE"); named && *named) {
    files.emplace_back(named);
  } else {
    files.emplace_back("/etc/gantry/config.yaml");
    if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg) files.push_back(fs::path(xdg) / "gantry/config.yaml");
    else if (const char* home = std::getenv("HOME"); home && *home) files.push_back(fs::path(home) / ".config/gantry/config.yaml");
  }
  GantryConfig merged;
  for (const auto& f : files)
    if (fs::exists(f)) merge_config(merged, read_config_file(f));
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

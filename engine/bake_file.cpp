#include "engine/bake_file.h"

#include <yaml-cpp/yaml.h>

#include <functional>
#include <set>

#include "base/error.h"

namespace gantry::engine {

namespace fs = std::filesystem;

namespace {

const std::set<std::string> kTargetKeys{"context",    "dockerfile", "target",   "args",
                                        "tags",       "labels",     "outputs",  "no-cache",
                                        "network",    "depends_on", "cache-from", "cache-to",
                                        "entitlements", "contexts"};

class FileErrors {
 public:
  explicit FileErrors(const fs::path& path) : path_(path.string()) {}
  [[noreturn]] void fail(const std::string& where, const std::string& what) const {
    throw UsageError(path_ + ": " + (where.empty() ? "" : where + ": ") + what);
  }

 private:
  std::string path_;
};

std::string scalar(const YAML::Node& n, const std::string& where, const FileErrors& errors) {
  if (!n.IsScalar()) errors.fail(where, "expected a string");
  return n.as<std::string>();
}

std::vector<std::string> string_list(const YAML::Node& n, const std::string& where, const FileErrors& errors) {
  if (!n.IsSequence()) errors.fail(where, "expected a list of strings");
  std::vector<std::string> out;
  for (const auto& item : n) out.push_back(scalar(item, where, errors));
  return out;
}

std::map<std::string, std::string> string_map(const YAML::Node& n, const std::string& where,
                                              const FileErrors& errors) {
  if (!n.IsMap()) errors.fail(where, "expected a mapping of strings");
  std::map<std::string, std::string> out;
  for (const auto& kv : n) {
    auto key = scalar(kv.first, where, errors);
    out[key] = scalar(kv.second, where + "." + key, errors);
  }
  return out;
}

std::vector<std::string> comma_list(const std::string& text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto comma = text.find(',', pos);
    auto item = text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return out;
}

bool parse_bool(const std::string& text, const std::string& where, const FileErrors& errors) {
  if (text == "true") return true;
  if (text == "false") return false;
  errors.fail(where, "expected true or false, not `" + text + "`");
}

void check_network(const BakeTarget& t, const FileErrors& errors) {
  if (t.network != "default" && t.network != "host" && t.network != "none")
    errors.fail("target." + t.name + ".network", "expected default, host or none, not `" + t.network + "`");
}

void check_entitlement_names(const BakeTarget& t, const FileErrors& errors) {
  for (const auto& name : t.entitlements)
    if (!solver::entitlement_named(name))
      errors.fail("target." + t.name + ".entitlements",
                  "unknown entitlement `" + name + "` (known: " + solver::entitlement_names() + ")");
}

BakeTarget parse_target(const std::string& name, const YAML::Node& node, const FileErrors& errors) {
  const std::string where = "target." + name;
  if (!node.IsMap()) errors.fail(where, "expected a mapping");
  BakeTarget t;
  t.name = name;
  for (const auto& kv : node) {
    const std::string key = scalar(kv.first, where, errors);
    const std::string at = where + "." + key;
    if (!kTargetKeys.count(key)) errors.fail(where, "unknown key `" + key + "`");
    if (key == "context") t.context = scalar(kv.second, at, errors);
    else if (key == "dockerfile") t.dockerfile = scalar(kv.second, at, errors);
    else if (key == "target") t.target = scalar(kv.second, at, errors);
    else if (key == "args") t.args = string_map(kv.second, at, errors);
    else if (key == "contexts") t.contexts = string_map(kv.second, at, errors);
    else if (key == "tags") t.tags = string_list(kv.second, at, errors);
    else if (key == "labels") t.labels = string_map(kv.second, at, errors);
    else if (key == "outputs") t.outputs = string_list(kv.second, at, errors);
    else if (key == "cache-from") t.cache_from = string_list(kv.second, at, errors);
    else if (key == "cache-to") t.cache_to = string_list(kv.second, at, errors);
    else if (key == "no-cache") t.no_cache = parse_bool(scalar(kv.second, at, errors), at, errors);
    else if (key == "network") t.network = scalar(kv.second, at, errors);
    else if (key == "entitlements") t.entitlements = string_list(kv.second, at, errors);
    else t.depends_on = string_list(kv.second, at, errors);
  }
  check_network(t, errors);
  check_entitlement_names(t, errors);
  return t;
}

}  // namespace

fs::path find_bake_file(const fs::path& dir) {
  for (const char* name : {"gantry.yaml", "gantry.yml"})
    if (fs::exists(dir / name)) return dir / name;
  throw UsageError("no bake file: neither gantry.yaml nor gantry.yml is in " + dir.string() + " (use -f FILE)");
}

BakeFile parse_bake_file(const std::string& yaml, const fs::path& path) {
  const FileErrors errors(path);
  BakeFile file;
  file.path = path;
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    errors.fail("", e.what());
  }
  if (!root.IsMap()) errors.fail("", "expected a mapping with `target` (and `group`)");
  for (const auto& kv : root) {
    const std::string key = scalar(kv.first, "", errors);
    if (key == "group") {
      if (!kv.second.IsMap()) errors.fail("group", "expected a mapping of group names to target lists");
      for (const auto& g : kv.second) {
        auto name = scalar(g.first, "group", errors);
        file.groups[name] = string_list(g.second, "group." + name, errors);
      }
    } else if (key == "target") {
      if (!kv.second.IsMap()) errors.fail("target", "expected a mapping of target names");
      for (const auto& t : kv.second) {
        auto name = scalar(t.first, "target", errors);
        file.targets[name] = parse_target(name, t.second, errors);
      }
    } else {
      errors.fail("", "unknown key `" + key + "` (expected group and target)");
    }
  }
  for (const auto& [name, _] : file.groups)
    if (file.targets.count(name)) errors.fail("group." + name, "a target has the same name");
  return file;
}

void apply_override(BakeFile& file, const std::string& assignment) {
  const FileErrors errors(file.path);
  const auto eq = assignment.find('=');
  const auto dot = assignment.find('.');
  if (eq == std::string::npos || dot == std::string::npos || dot > eq)
    throw UsageError("invalid --set `" + assignment + "`: expected TARGET.KEY=VALUE");
  const std::string pattern = assignment.substr(0, dot);
  const std::string key = assignment.substr(dot + 1, eq - dot - 1);
  const std::string value = assignment.substr(eq + 1);
  const std::string base = key.substr(0, key.find('.'));
  const bool keyed = base == "args" || base == "labels" || base == "contexts";
  if (!kTargetKeys.count(base) || keyed == (key == base))
    throw UsageError("invalid --set `" + assignment + "`: unknown key `" + key + "`");
  bool matched = false;
  for (auto& [name, t] : file.targets) {
    if (pattern != "*" && pattern != name) continue;
    matched = true;
    const std::string at = "--set " + assignment;
    if (base == "args") t.args[key.substr(5)] = value;
    else if (base == "labels") t.labels[key.substr(7)] = value;
    else if (base == "contexts") t.contexts[key.substr(9)] = value;
    else if (key == "context") t.context = value;
    else if (key == "dockerfile") t.dockerfile = value;
    else if (key == "target") t.target = value;
    else if (key == "tags") t.tags = comma_list(value);
    else if (key == "outputs") t.outputs = {value};  // an output spec has commas of its own
    else if (key == "cache-from") t.cache_from = {value};  // so has a cache spec
    else if (key == "cache-to") t.cache_to = {value};
    else if (key == "no-cache") t.no_cache = parse_bool(value, at, errors);
    else if (key == "network") t.network = value;
    else if (key == "entitlements") t.entitlements = comma_list(value);
    else t.depends_on = comma_list(value);
    check_network(t, errors);
    check_entitlement_names(t, errors);
  }
  if (!matched) errors.fail("--set " + assignment, "no target `" + pattern + "`");
}

std::vector<BakeTarget> resolve_targets(const BakeFile& file, const std::vector<std::string>& names) {
  const FileErrors errors(file.path);
  std::vector<BakeTarget> ordered;
  std::set<std::string> done;
  // Depth-first: `path` holds the chain being visited, so coming back to one of it is a cycle.
  std::vector<std::string> path;
  auto chain = [&path](const std::string& last) {
    std::string out;
    for (const auto& p : path) out += p + " -> ";
    return out + last;
  };
  std::function<void(const std::string&, const std::string&)> visit = [&](const std::string& name,
                                                                         const std::string& from) {
    if (done.count(name)) return;
    if (std::find(path.begin(), path.end(), name) != path.end()) errors.fail("", "dependency cycle: " + chain(name));
    path.push_back(name);
    if (auto g = file.groups.find(name); g != file.groups.end()) {
      for (const auto& member : g->second) visit(member, "group." + name);
    } else if (auto t = file.targets.find(name); t != file.targets.end()) {
      for (const auto& dep : t->second.depends_on) visit(dep, "target." + name + ".depends_on");
      ordered.push_back(t->second);
    } else {
      errors.fail(from, "unknown target `" + name + "`");
    }
    path.pop_back();
    done.insert(name);
  };
  std::vector<std::string> wanted = names;
  if (wanted.empty()) {
    if (!file.groups.count("default")) errors.fail("", "no target named and no `default` group");
    wanted.push_back("default");
  }
  for (const auto& name : wanted) visit(name, "");
  return ordered;
}

nlohmann::json to_json(const std::vector<BakeTarget>& targets) {
  nlohmann::json out = {{"target", nlohmann::json::object()}};
  for (const auto& t : targets)
    out["target"][t.name] = {{"context", t.context}, {"dockerfile", t.dockerfile}, {"target", t.target},
                             {"args", t.args},       {"tags", t.tags},             {"labels", t.labels},
                             {"outputs", t.outputs}, {"no-cache", t.no_cache},     {"network", t.network},
                             {"depends_on", t.depends_on}, {"cache-from", t.cache_from},
                             {"cache-to", t.cache_to}, {"entitlements", t.entitlements},
                             {"contexts", t.contexts}};
  return out;
}

solver::Entitlements entitlements_of(const BakeTarget& target) {
  solver::Entitlements out;
  for (const auto& name : target.entitlements) out.insert(*solver::entitlement_named(name));
  return out;
}

void check_granted(const BakeFile& file, const std::vector<BakeTarget>& targets,
                   const solver::Entitlements& granted) {
  const FileErrors errors(file.path);
  for (const auto& t : targets) {
    solver::Entitlements wanted = entitlements_of(t);
    if (t.network == "host") wanted.insert(solver::Entitlement::NetworkHost);
    for (solver::Entitlement e : wanted) {
      if (granted.count(e)) continue;
      const std::string name(solver::name_of(e));
      const std::string why = e == solver::Entitlement::NetworkHost && t.network == "host"
                                  ? " (network: host)" : "";
      errors.fail("target." + t.name, "needs the entitlement " + name + why +
                                          ": run bake with --allow " + name);
    }
  }
}

}  // namespace gantry::engine

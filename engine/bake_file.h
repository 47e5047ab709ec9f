// `gantry bake`'s file: named build targets and groups of them, in YAML (like the HCL/JSON of
// `docker buildx bake`):
//
//   group:
//     default: [app, tools]        # built when no target is named; a group may name groups
//   target:
//     app:
//       context: .                 # relative to the bake file's directory (default .)
//       dockerfile: Dockerfile     # relative to the context (default Dockerfile)
//       target: runtime            # the Dockerfile stage
//       args: {VERSION: "1.2"}
//       contexts: {src: ../src, alpine: "docker-image://busybox:latest"}  # as build --build-context;
//                                  # directories and oci-layout:// paths relative to the bake file
//       tags: [app:1]
//       labels: {k: v}
//       outputs: ["type=oci,dest=out/app.tar"]   # as build -o takes them
//       no-cache: false
//       network: default           # default | host | none (host needs bake --allow network.host)
//       entitlements: [security.insecure]  # what RUN steps may ask for; bake --allow grants it
//       cache-from: ["type=registry,ref=reg/app:cache"]   # as build --cache-from takes them
//       cache-to: ["type=local,dest=cache,mode=max"]      # local dirs relative to the bake file
//       depends_on: [base]         # built (and named) before this target
//
// Every problem (bad YAML, an unknown key, a wrong type, an unknown target or group, a cycle)
// is one UsageError "<file>: <where>: <what>".
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "solver/entitlements.h"

namespace gantry::engine {

struct BakeTarget {
  std::string name;
  std::string context = ".";
  std::string dockerfile = "Dockerfile";
  std::string target;
  std::map<std::string, std::string> args;
  std::map<std::string, std::string> contexts;  // --build-context NAME=VALUE, as written
  std::vector<std::string> tags;
  std::map<std::string, std::string> labels;
  std::vector<std::string> outputs;
  bool no_cache = false;
  std::string network = "default";
  std::vector<std::string> entitlements;  // names; what the target's RUN steps may ask for
  std::vector<std::string> depends_on;
  std::vector<std::string> cache_from;
  std::vector<std::string> cache_to;
};

struct BakeFile {
  std::filesystem::path path;
  std::map<std::string, std::vector<std::string>> groups;
  std::map<std::string, BakeTarget> targets;
};

// gantry.yaml, else gantry.yml, in `dir`; throws UsageError when neither is there.
std::filesystem::path find_bake_file(const std::filesystem::path& dir);

BakeFile parse_bake_file(const std::string& yaml, const std::filesystem::path& path);

// --set TARGET.KEY=VALUE (TARGET may be `*`): KEY is a target key, or args.NAME / labels.NAME /
// contexts.NAME;
// list keys (tags, outputs, depends_on, entitlements) take a comma-separated list.
void apply_override(BakeFile& file, const std::string& assignment);

// The targets `names` select (targets or groups; "default" when empty) and everything they
// depend on, each once, dependencies first.
std::vector<BakeTarget> resolve_targets(const BakeFile& file, const std::vector<std::string>& names);

// The bake file is as untrusted as a Dockerfile: what a target asks for (its `entitlements`,
// and network.host for `network: host`) must be granted by the user's `bake --allow`. Throws
// UsageError "<file>: target.NAME: ..." naming the first one that is not.
void check_granted(const BakeFile& file, const std::vector<BakeTarget>& targets,
                   const solver::Entitlements& granted);
// What a target's RUN steps may ask for: its `entitlements`.
solver::Entitlements entitlements_of(const BakeTarget& target);

// {"target": {name: {...}}} for --print, paths as given.
nlohmann::json to_json(const std::vector<BakeTarget>& targets);

}  // namespace gantry::engine

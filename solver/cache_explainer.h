// Explains cache misses (`gantry build --explain-cache`, and --progress=plain): what each
// step's key was made of is remembered per build (the context, Dockerfile and target), and a
// step that misses is compared with the same step of the previous build: the instruction, a
// build arg or env value, a context file, the base image, or the step before it.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "cache/sqlite_db.h"
#include "llb/llb.h"
#include "solver/cache_keys.h"

namespace gantry::solver {

class CacheExplainer {
 public:
  CacheExplainer(cache::Database& db, std::string build_identity)
      : db_(db), build_identity_(std::move(build_identity)) {}

  // Why `node` (keyed as `parts`) was not found in the cache. `input_descriptions[i]` names
  // node.inputs[i] for the message.
  std::string explain(const llb::Node& node, const KeyParts& parts,
                      const std::vector<std::string>& input_descriptions) const;

  // Remembers `parts` as this build's version of the step; save() writes them all at once.
  void remember(const llb::Node& node, const KeyParts& parts);
  void save();

 private:
  std::string step_id(const llb::Node& node) const;

  cache::Database& db_;
  std::string build_identity_;
  std::map<std::string, std::string> pending_;  // step id -> parts JSON
};

}  // namespace gantry::solver

// Explains cache misses (`gantry build --explain-cache`, and --progress=plain): what each
// step's key was made of is remembered per build (the context, Dockerfile and target), and a
// step that misses is compared with the same step of the previous build: the instruction, a
// build arg or env value, the context files it reads (named: what each step read from the
// context is remembered entry by entry, context_listing.h), the base image, or the step before it.
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
  // `keyer` made the parts this explainer is given, and lists what they read from local dirs.
  CacheExplainer(cache::Database& db, std::string build_identity, CacheKeyer& keyer)
      : db_(db), build_identity_(std::move(build_identity)), keyer_(keyer) {}

  // Why `node` (keyed as `parts`) was not found in the cache. `input_descriptions[i]` names
  // node.inputs[i] for the message.
  std::string explain(const llb::Node& node, const KeyParts& parts,
                      const std::vector<std::string>& input_descriptions) const;

  // Remembers `parts` as this build's version of the step; save() writes them all at once,
  // with a listing of what the step read from local dirs where that changed.
  void remember(const llb::Node& node, const KeyParts& parts);
  void save();

 private:
  // What the step read from a local dir: its path there, checksum and the dir.
  struct ContextRead {
    std::string step, path, checksum, dir;
  };

  std::string step_id(const llb::Node& node) const;
  // The context files behind a changed content entry `read`, once named; its path when the
  // earlier build's listing of it is not known.
  std::string changed_files(const ContextRead& read, const std::string& old_checksum) const;

  cache::Database& db_;
  std::string build_identity_;
  CacheKeyer& keyer_;
  std::map<std::string, std::string> pending_;  // step id -> parts JSON
  std::vector<ContextRead> pending_reads_;
};

}  // namespace gantry::solver

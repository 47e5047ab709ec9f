// Cache keys of vertices (see solver.h for what a key covers).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cache/context_checksum.h"
#include "llb/llb.h"
#include "solver/solver.h"

namespace gantry::solver {

// A key and what it was made of, so a miss can be explained against an earlier build.
struct KeyParts {
  Digest key;
  nlohmann::json op;       // the op as keyed (network resolved, local attrs dropped)
  nlohmann::json content;  // [[path read from a local dir, its checksum], ...]
  std::vector<Digest> inputs;
  std::vector<std::string> content_dirs;  // the local dir of each content entry (not keyed)
};

class CacheKeyer {
 public:
  // `images` gives the content image sources are keyed by.
  CacheKeyer(cache::Database& db, const SolveOptions& options, ImageProvider& images);

  // `input_keys` holds the key of each of node.inputs (a fixed key for scratch).
  KeyParts key(const llb::Node& node, const std::vector<Digest>& input_keys);

  // The key of the op `parts` describes over other keys of its inputs: what the steps after a
  // step whose result was recognised by its content (copied_content.h) are keyed by.
  static Digest key_over(const KeyParts& parts, const std::vector<Digest>& input_keys);

  static Digest scratch_key();

  // What key() read under `path` of local dir `dir`, entry by entry (context_listing.h).
  std::string listing(const std::string& dir, const std::string& path);

 private:
  // The local source name ("context") that input `index` of `node` is, or "".
  static std::string local_name(const llb::Node& node, int index);
  cache::ContextChecksummer& checksummer(const std::string& name);
  // A checksummer of local dir `name` that also leaves out what `copy`'s --exclude patterns
  // match below its sources, so that a change there keeps the copy's key.
  cache::ContextChecksummer& excluding_checksummer(const std::string& name, const llb::FileCopy& copy);

  cache::Database& db_;
  const SolveOptions& options_;
  ImageProvider& images_;
  std::map<std::string, std::unique_ptr<cache::ContextChecksummer>> checksummers_;
  std::vector<std::unique_ptr<cache::ContextChecksummer>> excluding_checksummers_;
};

}  // namespace gantry::solver

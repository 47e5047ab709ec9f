// A marshalled build graph: every node reachable from a target, deduplicated by digest and in
// dependency order, with JSON (`--print=llb`) and Graphviz (`--print=dot`) renderings.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "llb/llb.h"

namespace gantry::llb {

struct Definition {
  std::vector<std::shared_ptr<const Node>> nodes;  // inputs before the nodes that use them
  Output target;

  // The digest of the whole graph: of the target's digest and output index.
  Digest digest() const;
};

Definition marshal(const Output& target);

nlohmann::json to_json(const Op& op);
nlohmann::json to_json(const Definition& def);
std::string to_dot(const Definition& def);

}  // namespace gantry::llb

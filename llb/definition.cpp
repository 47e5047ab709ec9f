#include "llb/definition.h"

#include <functional>
#include <sstream>
#include <unordered_set>

namespace gantry::llb {

using nlohmann::json;

Digest Definition::digest() const {
  if (target.is_scratch()) return sha256_of("scratch");
  return sha256_of(target.node->digest.str() + "#" + std::to_string(target.index));
}

Definition marshal(const Output& target) {
  Definition def;
  def.target = target;
  std::unordered_set<Digest> seen;
  // Post-order DFS: every input is appended before the nodes that use it.
  std::function<void(const std::shared_ptr<const Node>&)> visit =
      [&](const std::shared_ptr<const Node>& n) {
        if (!n || !seen.insert(n->digest).second) return;
        for (const auto& in : n->inputs) visit(in.node);
        def.nodes.push_back(n);
      };
  visit(target.node);
  return def;
}

json to_json(const Definition& def) {
  json nodes = json::array();
  for (const auto& n : def.nodes) {
    json inputs = json::array();
    for (const auto& i : n->inputs)
      inputs.push_back(i.is_scratch() ? json(nullptr)
                                      : json{{"digest", i.node->digest.str()}, {"index", i.index}});
    nodes.push_back({{"digest", n->digest.str()},
                     {"op", to_json(n->op)},
                     {"inputs", inputs},
                     {"description", n->meta.description},
                     {"location", n->meta.location}});
  }
  json target = def.target.is_scratch()
                    ? json(nullptr)
                    : json{{"digest", def.target.node->digest.str()}, {"index", def.target.index}};
  return {{"digest", def.digest().str()}, {"target", target}, {"nodes", nodes}};
}

namespace {
std::string dot_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string kind_of(const Op& op) {
  switch (op.index()) {
    case 0: return std::get<SourceOp>(op).identifier;
    case 1: return "exec";
    case 2: return "file";
    default: return "merge";
  }
}
}  // namespace

std::string to_dot(const Definition& def) {
  std::ostringstream out;
  out << "digraph llb {\n  node [shape=box];\n";
  for (const auto& n : def.nodes) {
    std::string label = n->meta.description.empty() ? kind_of(n->op) : n->meta.description;
    out << "  \"" << n->digest.short_hex() << "\" [label=\"" << dot_escape(label) << "\"];\n";
    for (const auto& i : n->inputs)
      if (!i.is_scratch())
        out << "  \"" << i.node->digest.short_hex() << "\" -> \"" << n->digest.short_hex()
            << "\";\n";
  }
  out << "}\n";
  return out.str();
}

}  // namespace gantry::llb

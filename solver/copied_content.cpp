#include "solver/copied_content.h"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "cache/context_checksum.h"
#include "cache/source_tree.h"
#include "solver/copy_filters.h"

namespace gantry::solver {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kVersion = "gantry-copied-content-v1";

// The checksummer remembers file hashes by path; a mount point lives for one checksum, so none
// is worth remembering: every file counts as changed too recently to be.
constexpr std::int64_t kRememberNothing = std::numeric_limits<std::int64_t>::max();

using cache::has_wildcard;

// The checksummer takes glob patterns: a component with wildcard characters gets them escaped.
std::string literal_pattern(const std::string& path) {
  std::string out;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = std::min(path.find('/', start), path.size());
    std::string_view part(path.data() + start, end - start);
    for (char c : part) {
      if (has_wildcard(part) && (c == '*' || c == '?' || c == '[' || c == '\\')) out += '\\';
      out += c;
    }
    if (end < path.size()) out += '/';
    start = end + 1;
  }
  return out;
}

// What `copy` reads in the tree at `root`, as FileOpApplier finds it: each matched name (which
// names the copy at its destination) with the path it resolves to inside the tree.
std::vector<std::pair<std::string, std::string>> paths_read(const fs::path& root,
                                                            const llb::FileCopy& copy) {
  const cache::SourceTree tree(root);
  std::vector<std::string> names;
  if (copy.allow_wildcard && has_wildcard(copy.src))
    names = tree.glob(copy.src);
  else
    names.push_back(copy.src);  // find() takes it relative or /-rooted
  // --parents reads below its source only what its patterns can match: from each one's
  // literal start down.
  if (copy.parents) {
    std::vector<std::string> below;
    for (const auto& name : names)
      for (const auto& pattern : copy.include_patterns)
        if (const std::string literal = literal_prefix(pattern); literal.empty())
          below.push_back(name);
        else
          below.push_back(cache::join_relative(name, literal));
    names = std::move(below);
  }
  std::vector<std::pair<std::string, std::string>> out;
  for (auto& name : names) {
    const auto entry = tree.find(name, copy.follow_symlinks);
    std::string real = entry ? entry->path : name;
    out.emplace_back(std::move(name), std::move(real));
  }
  return out;
}

}  // namespace

std::vector<int> content_keyed_inputs(const llb::Node& node) {
  const auto* op = std::get_if<llb::FileOp>(&node.op);
  if (!op) return {};
  std::vector<int> out;
  for (const auto& action : op->actions) {
    const auto* copy = std::get_if<llb::FileCopy>(&action);
    if (!copy || copy->src_input < 0 || copy->src_input == op->dest_input) continue;
    if (copy->src_input >= static_cast<int>(node.inputs.size())) continue;
    const auto& input = node.inputs[static_cast<std::size_t>(copy->src_input)];
    if (input.is_scratch() || std::holds_alternative<llb::SourceOp>(input.node->op)) continue;
    if (std::find(out.begin(), out.end(), copy->src_input) == out.end())
      out.push_back(copy->src_input);
  }
  return out;
}

Digest copied_content(cache::Database& db, const llb::Node& node, int index, const fs::path& root) {
  cache::ContextChecksummer checksummer(db, root, {}, kRememberNothing);
  nlohmann::json read = nlohmann::json::array();
  for (const auto& action : std::get<llb::FileOp>(node.op).actions) {
    const auto* copy = std::get_if<llb::FileCopy>(&action);
    if (!copy || copy->src_input != index) continue;
    for (const auto& [name, real] : paths_read(root, *copy))
      read.push_back({name, real, checksummer.checksum(literal_pattern(real)).str()});
  }
  return sha256_of(std::string(kVersion) + read.dump());
}

}  // namespace gantry::solver

#include "frontend/dockerfile/outline.h"

#include "frontend/dockerfile/parser.h"
#include "frontend/dockerfile/text.h"

namespace gantry::frontend {

std::string description_of(std::string_view name, std::span<const std::string> comments) {
  if (name.empty()) return "";
  const std::string prefix = std::string(name) + " ";
  for (const std::string& line : comments)
    if (line.starts_with(prefix)) return line.substr(prefix.size());
  return "";
}

std::vector<BuildTarget> list_targets(std::string dockerfile, std::string_view file_name) {
  const Ast ast = parse(std::move(dockerfile), file_name);
  std::vector<BuildTarget> out;
  for (const Node& n : ast.nodes()) {
    if (!iequals(ast.keyword(n), "from")) continue;
    const WordList args = ast.args(n);
    BuildTarget t;
    t.line = n.start_line;
    if (!args.empty()) t.base = std::string(args[0]);
    if (args.size() == 3) t.name = to_lower(args[2]);
    for (std::string_view flag : ast.flags(n))
      if (flag.starts_with("--platform=")) t.platform = std::string(flag.substr(11));
    std::vector<std::string> comments;
    for (std::string_view c : ast.comments(n)) comments.emplace_back(c);
    t.description = description_of(t.name, comments);
    out.push_back(std::move(t));
  }
  if (!out.empty()) out.back().is_default = true;
  return out;
}

}  // namespace gantry::frontend

#include "solver/copy_filters.h"

#include <optional>
#include <utility>

namespace gantry::solver {

namespace {

// `path` relative to `dir` when strictly below it, else nothing.
std::optional<std::string_view> below(std::string_view path, std::string_view dir) {
  if (dir.empty()) return path.empty() ? std::nullopt : std::optional(path);
  if (path.size() <= dir.size() || !path.starts_with(dir) || path[dir.size()] != '/') return std::nullopt;
  return path.substr(dir.size() + 1);
}

// Whether `a` is `b` or one of its ancestors ("" is everything's).
bool is_ancestor_or_self(std::string_view a, std::string_view b) {
  return a.empty() || a == b || (b.starts_with(a) && b.size() > a.size() && b[a.size()] == '/');
}

}  // namespace

cache::ExcludeRules excluding_below(cache::ExcludeRules base, std::string source, cache::ExcludeRules patterns) {
  auto excluded = [base, source, patterns](std::string_view path) {
    if (base.excluded(path)) return true;
    const auto rel = below(path, source);
    return rel && patterns.excluded(*rel);
  };
  auto may_reinclude_below = [base = std::move(base), source = std::move(source),
                              patterns = std::move(patterns)](std::string_view dir) {
    // Below a directory the .dockerignore leaves out, only its own `!` patterns bring back.
    if (base.excluded(dir)) return base.may_reinclude_below(dir);
    const auto rel = below(dir, source);
    return rel && patterns.may_reinclude_below(*rel);
  };
  return {std::move(excluded), std::move(may_reinclude_below)};
}

std::string literal_prefix(std::string_view pattern) {
  std::string out;
  while (!pattern.empty()) {
    const std::size_t slash = pattern.find('/');
    const std::string_view part = pattern.substr(0, slash);
    if (part.find_first_of("*?[\\") != std::string_view::npos) break;
    if (!part.empty() && part != ".") out += (out.empty() ? "" : "/") + std::string(part);
    if (slash == std::string_view::npos) break;
    pattern.remove_prefix(slash + 1);
  }
  return out;
}

std::vector<std::string> literal_prefixes(const std::vector<std::string>& patterns) {
  std::vector<std::string> out;
  for (const std::string& p : patterns) out.push_back(literal_prefix(p));
  return out;
}

bool may_match_below(const std::vector<std::string>& prefixes, std::string_view dir) {
  for (const std::string& literal : prefixes)
    if (is_ancestor_or_self(dir, literal) || is_ancestor_or_self(literal, dir)) return true;
  return false;
}

}  // namespace gantry::solver

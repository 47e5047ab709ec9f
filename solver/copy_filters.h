// What a copy's --exclude and --parents patterns leave in or out, as rules over paths of the
// source tree (cache::ExcludeRules). Patterns are .dockerignore-style; SolveOptions::path_patterns
// turns a list of them into rules (the frontend's matcher: the solver does not parse them).
//
// --exclude patterns are relative to each source a copy names: `COPY --exclude=*.log app /a/`
// leaves out app/x.log but not app/sub/x.log, and never `app` itself (as BuildKit's copier).
// --parents patterns are relative to the directory before the `/./` pivot (the root without
// one), and a walk need only enter the directories on the way to what they can match.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cache/source_tree.h"

namespace gantry::solver {

// `base` (the .dockerignore) plus `patterns` applied to the paths strictly below `source`
// (a path of the tree, "" for its root), relative to it.
cache::ExcludeRules excluding_below(cache::ExcludeRules base, std::string source, cache::ExcludeRules patterns);

// The components of `pattern` before its first one with a wildcard (* ? [ or **): "a/b/*.c" ->
// "a/b", "**/x" -> "", "a/b" -> "a/b".
std::string literal_prefix(std::string_view pattern);

// The literal_prefix() of each of `patterns`, worked out once for all the directories of a walk.
std::vector<std::string> literal_prefixes(const std::vector<std::string>& patterns);

// Whether something at or below the directory `dir` (relative, "" for the start) may match one
// of the patterns whose literal_prefixes() are `prefixes`: whether a walk for them must enter it.
bool may_match_below(const std::vector<std::string>& prefixes, std::string_view dir);

}  // namespace gantry::solver

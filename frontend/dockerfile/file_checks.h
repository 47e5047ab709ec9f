// The build checks that read the Dockerfile as a whole, before any stage is lowered, and so run
// on every stage whether the build needs it or not (as BuildKit runs them): how instructions
// and stage names are written, description comments, empty continuation lines, and the words
// of every FROM line. The checks that need a stage's state run while it is lowered (lower.cpp),
// with the helpers at the end of this header.
#pragma once

#include <set>
#include <string>

#include "frontend/dockerfile/build_checks.h"
#include "frontend/dockerfile/parser.h"
#include "frontend/dockerfile/shell_lexer.h"

namespace gantry::frontend {

// NoEmptyContinuation, MaintainerDeprecated, StageNameCasing, FromAsCasing,
// InvalidDefinitionDescription, ReservedStageName, DuplicateStageName and
// ConsistentInstructionCasing.
void check_file(const Ast& ast, CheckReport& report);

// What the FROM line checks know of the global ARGs.
struct FromLineArgs {
  ShellEnv values;                 // the global ARGs and build args FROM lines expand with
  ShellEnv defaults;               // the same with no build arg given
  std::set<std::string> declared;  // every global ARG, with or without a value
  bool defaults_valid = true;      // false when expanding a default failed (the build fails then)
};

// UndefinedArgInFrom, RedundantTargetPlatform, FromPlatformFlagConstDisallowed and
// InvalidDefaultArgInFrom, for every FROM line of `ast`.
void check_from_lines(const Ast& ast, const FromLineArgs& args, char escape, CheckReport& report);

// "Usage of undefined variable ..." for each name `referenced` by a word that is neither in
// `env` nor in `declared` (the stage's ARGs, valued or not), with a suggestion from `env`.
void check_undefined_vars(const std::set<std::string>& referenced, const ShellEnv& env,
                          const std::set<std::string>& declared, int line, int end_line,
                          const std::vector<std::string>& comments, CheckReport& report);

// Whether an ARG or ENV of this name looks like it holds a secret (SecretsUsedInArgOrEnv):
// a word such as key, token or password, and none such as public or file.
bool names_a_secret(std::string_view name);

// BuildKit's suggest.Search: the candidate within two edits of `word` (case-sensitive), the
// closest first; "" when none is, or when `word` is itself one.
std::string closest_name(std::string_view word, const std::set<std::string>& candidates);

}  // namespace gantry::frontend

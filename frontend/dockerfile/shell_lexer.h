// Shell-word expansion as the Dockerfile defines it (BuildKit's `shell.Lex`): `$VAR`, `${VAR}`,
// `${VAR:-w}` `${VAR-w}` `${VAR:+w}` `${VAR+w}` `${VAR:?m}` `${VAR?m}`, pattern removal
// `${VAR#p}` `${VAR##p}` `${VAR%p}` `${VAR%%p}`, replacement `${VAR/p/r}` `${VAR//p/r}`, quote
// removal and escapes. It is not a shell: no command substitution, no globbing, no assignment.
//
//   ShellLexer lex;                                // escape char '\'
//   lex.process_word("${HOME:-/root}/x", env)      -> "/root/x"
//   lex.process_words("a $LIST 'b c'", env)        -> {"a", <LIST split on blanks>..., "b c"}
//
// Errors are gantry::Error `failed to process "<word>": <reason>` (a word over 200 bytes is cut
// in the message). ${...} may nest 100 levels deep; deeper is an error, not a stack overflow.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace gantry::frontend {

using ShellEnv = std::map<std::string, std::string, std::less<>>;

struct ShellLexerOptions {
  char escape = '\\';
  bool raw_quotes = false;        // keep quote characters in the result
  bool raw_escapes = false;       // keep escape characters in the result
  bool skip_unset_env = false;    // leave references to unset variables as written
  bool skip_quotes = false;       // quotes are ordinary characters (heredoc bodies)
};

class ShellLexer {
 public:
  ShellLexer() = default;
  explicit ShellLexer(ShellLexerOptions options) : options_(options) {}

  // Expands one word (quotes removed, no splitting). Names that were referenced are added to
  // `referenced` when given (BuildKit uses them to know which ARGs a step depends on).
  std::string process_word(std::string_view word, const ShellEnv& env,
                           std::set<std::string>* referenced = nullptr) const;

  // Expands and splits into words on unquoted blanks, as the shell would.
  std::vector<std::string> process_words(std::string_view word, const ShellEnv& env) const;

 private:
  ShellLexerOptions options_;
};

}  // namespace gantry::frontend

// The shell patterns of `${V#p}` `${V##p}` `${V%p}` `${V%%p}` `${V/p/r}` `${V//p/r}`: `*` matches
// any runes, `?` one rune, `\*` `\?` `\\` are literal, and `\}` `\/` only protect the ${} syntax.
// Matching works on runes (invalid UTF-8 bytes are runes of their own) and takes time linear in
// the value for a given pattern (at worst the value's length times the pattern's), however the
// stars fall: a hostile `${V//*b/c}` over a long value cannot stall a build.
//
//   remove_affix("a/b/c.tar.gz", ".*", /*suffix=*/true, /*longest=*/false)  -> "a/b/c.tar"
//   replace_pattern("a-b-c", "-", "+", /*all=*/true)                       -> "a+b+c"
//
// Errors are gantry::Error with the reason only (`invalid pattern (...) in substitution: ...`);
// the lexer adds the word it was expanding.
#pragma once

#include <string>
#include <string_view>

namespace gantry::frontend {

// The shortest (or longest) prefix (or suffix) of `value` that `pattern` matches, removed.
std::string remove_affix(std::string_view value, std::string_view pattern, bool suffix, bool longest);

// The leftmost longest match of `pattern` replaced by `replacement`, once or everywhere; an
// empty match right after a match is not a new match (as Go's regexp.ReplaceAll).
std::string replace_pattern(std::string_view value, std::string_view pattern,
                            std::string_view replacement, bool all);

}  // namespace gantry::frontend

// .dockerignore patterns with BuildKit's semantics (moby/patternmatcher): one pattern a line,
// `#` comments, `!` re-includes, a leading `/` is dropped (patterns are relative to the context
// root), `*` and `?` stay within one path element, `**` spans elements, `[a-z]` classes and `\`
// escapes. The last pattern that matches a path (or one of its parent directories) decides.
//
//   auto m = DockerignoreMatcher(read_dockerignore("*.log\n!keep.log\n"));
//   m.excluded("a.log") -> true;  m.excluded("keep.log") -> false
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace gantry::frontend {

// The patterns of a .dockerignore file, cleaned (as filepath.Clean), in order; re-includes keep
// their leading '!'. This is the list passed to the solver as the context's "exclude" attr.
// A line that is not UTF-8 text (or holds a NUL byte), or a pattern longer than 4096 bytes, is a
// gantry::Error "<file_name>:<line>: ..."; comments may hold anything.
std::vector<std::string> read_dockerignore(std::string_view content,
                                           std::string_view file_name = ".dockerignore");

class DockerignoreMatcher {
 public:
  explicit DockerignoreMatcher(const std::vector<std::string>& patterns);

  bool empty() const { return patterns_.empty(); }

  // `path` is relative to the context root, '/'-separated ("src/a.c"); a leading "./" or "/"
  // is ignored.
  bool excluded(std::string_view path) const;

  // Whether a `!` pattern may re-include something below the directory `dir` (relative, clean),
  // so that a walk must look inside it although it is excluded. As BuildKit decides it: never
  // without `!` patterns; always when one has wildcards (other than a trailing /* or /**);
  // else when one names a path below `dir`.
  bool may_reinclude_below(std::string_view dir) const;

 private:
  struct Pattern {
    std::string glob;
    bool reinclude = false;
  };
  std::vector<Pattern> patterns_;
  std::vector<std::string> reinclude_prefixes_;  // the `!` patterns without a trailing /* or /**, + "/"
  bool reincludes_have_wildcards_ = false;
};

// Cleans a '/'-separated path as Go's path.Clean ("a/./b/../c/" -> "a/c", "" -> ".").
std::string clean_path(std::string_view path);

}  // namespace gantry::frontend

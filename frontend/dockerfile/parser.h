// The raw Dockerfile parser: text in, a list of instruction nodes out, as BuildKit's
// `parser.Parse` builds them (before variable expansion and before quote removal).
//
// It handles parser directives (`# syntax=`, `# escape=`, `# check=`), a UTF-8 BOM, CRLF line
// ends, comments, the escape character as line continuation, flags (`--name=value`), exec (JSON)
// versus shell form and heredocs. Each node keeps the lines it came from, so later stages can
// point at `Dockerfile:12`.
//
// An Ast owns the source text and a small arena; nodes hold string_views into them, so a
// parsed 10 MB Dockerfile needs little more memory than its text. An Ast is movable, not
// copyable, and its views live as long as it does.
//
//   Ast ast = parse(read_file("Dockerfile"), "Dockerfile");
//   for (const Node& n : ast.nodes()) ... ast.args(n) ...
//   std::string s = ast.dump();  // BuildKit's `(run "echo hi")` S-expression form
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gantry::frontend {

struct Heredoc {
  std::string_view name;     // the terminator word, quotes removed
  std::string_view content;  // the body, each line ending in '\n' (tabs not yet stripped)
  bool expand = true;        // false when any part of the terminator was quoted
  bool chomp = false;        // `<<-`: leading tabs are stripped from the body and terminator
  unsigned fd = 0;           // `3<<EOF`
};

// Index ranges into the Ast's shared tables; use the Ast's accessors to read them.
struct Range {
  std::uint32_t first = 0;
  std::uint32_t count = 0;
};

struct Node {
  std::string_view keyword;   // as written, e.g. "RUN" or "copy"
  std::string_view original;  // the whole instruction after line continuation
  Range flags;                // the leading `--name[=value]` words, quotes removed
  Range args;                 // the argument nodes (see the BuildKit rules in parser.cpp)
  Range heredocs;
  std::int32_t sub = -1;      // ONBUILD: index of the sub-instruction in the Ast's sub table
  bool json = false;          // arguments were given in exec (JSON array) form
  int start_line = 0;         // 1-based, inclusive
  int end_line = 0;
};

struct Directive {
  std::string name;   // lower case: "syntax", "escape" or "check"
  std::string value;
  int line = 0;
};

struct ParseWarning {
  std::string message;
  int line = 0;
};

class Ast {
 public:
  Ast();
  Ast(Ast&&) noexcept;
  Ast& operator=(Ast&&) noexcept;
  ~Ast();

  std::span<const Node> nodes() const { return nodes_; }
  std::span<const std::string_view> flags(const Node& n) const { return words(n.flags); }
  std::span<const std::string_view> args(const Node& n) const { return words(n.args); }
  std::span<const Heredoc> heredocs(const Node& n) const {
    return std::span<const Heredoc>(heredocs_).subspan(n.heredocs.first, n.heredocs.count);
  }
  // The sub-instruction of an ONBUILD node, or null.
  const Node* sub(const Node& n) const { return n.sub < 0 ? nullptr : &subs_[n.sub]; }

  char escape() const { return escape_; }
  int start_line() const { return start_line_; }
  int end_line() const { return end_line_; }
  const std::vector<Directive>& directives() const { return directives_; }
  const std::vector<ParseWarning>& warnings() const { return warnings_; }

  // BuildKit's `Node.Dump()` of the root: one `(instruction ...)` line per instruction.
  std::string dump() const;
  std::string dump(const Node& n) const;

 private:
  friend class Parser;
  std::span<const std::string_view> words(Range r) const {
    return std::span<const std::string_view>(words_).subspan(r.first, r.count);
  }

  std::unique_ptr<std::string> source_;  // on the heap so views survive moves of the Ast
  std::vector<std::unique_ptr<char[]>> arena_;  // text that is not a substring of source_
  std::size_t arena_left_ = 0;
  std::vector<Node> nodes_;
  std::vector<Node> subs_;
  std::vector<std::string_view> words_;
  std::vector<Heredoc> heredocs_;
  std::vector<Directive> directives_;
  std::vector<ParseWarning> warnings_;
  char escape_ = '\\';
  int start_line_ = -1;
  int end_line_ = -1;
};

// Parses a Dockerfile. Errors are gantry::Error "<file_name>:<line>: <what is wrong>".
Ast parse(std::string content, std::string_view file_name = "Dockerfile");

// One heredoc word (`<<EOF`, `<<-"EOF"`, `3<<EOF`), or false if `word` is not one.
// `name` receives the terminator with quotes removed.
struct HeredocWord {
  std::string name;
  bool expand = true;
  bool chomp = false;
  unsigned fd = 0;
};
bool parse_heredoc_word(std::string_view word, HeredocWord* out);

}  // namespace gantry::frontend

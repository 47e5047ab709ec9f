// The raw Dockerfile parser: text in, a list of instruction nodes out, as BuildKit's
// `parser.Parse` builds them (before variable expansion and before quote removal).
//
// It handles parser directives (`# syntax=`, `# escape=`, `# check=`), a UTF-8 BOM, CRLF line
// ends, comments, the escape character as line continuation, flags (`--name=value`), exec (JSON)
// versus shell form and heredocs. Each node keeps the lines it came from, so later stages can
// point at `Dockerfile:12`.
//
// An Ast owns the source text, joins continuation lines in place in it, and keeps the little
// text that is not a substring of it (JSON strings with escapes, flag words with quotes
// removed, CRLF heredoc bodies) in a side buffer. Nodes and words are 32-bit offsets into these
// two, so a parsed 10 MB Dockerfile needs about 2.5 times its text (see bench/frontend/). The
// accessors hand out string_views, valid as long as the Ast lives (moves included). An Ast is
// movable, not copyable.
//
//   Ast ast = parse(read_file("Dockerfile"), "Dockerfile");
//   for (const Node& n : ast.nodes()) ... ast.keyword(n) ... ast.args(n) ...
//   std::string s = ast.dump();  // BuildKit's `(run "echo hi")` S-expression form
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gantry::frontend {

class Ast;

// A piece of an Ast's text: an offset into the source, or (kInSideText set) into the side text.
struct TextRef {
  static constexpr std::uint32_t kInSideText = 0x80000000u;
  std::uint32_t offset = 0;
  std::uint32_t size = 0;
};

struct Heredoc {
  std::string_view name;     // the terminator word, quotes removed
  std::string_view content;  // the body, each line ending in '\n' (tabs not yet stripped)
  bool expand = true;        // false when any part of the terminator was quoted
  bool chomp = false;        // `<<-`: leading tabs are stripped from the body and terminator
  unsigned fd = 0;           // `3<<EOF`
};

struct Node {
  int start_line = 0;  // 1-based, inclusive
  int end_line = 0;
  bool json = false;  // arguments were given in exec (JSON array) form
  // Positions in the Ast's tables; read them through the Ast (keyword, original, flags, args,
  // heredocs, sub). Kept to 36 bytes: a 10 MB Dockerfile has some 200k nodes.
  TextRef original;         // the whole instruction after line continuation
  std::uint32_t words = 0;  // the first flag word; the argument words follow the flags
  std::uint32_t flag_count = 0;
  std::uint32_t arg_count = 0;
  std::uint32_t extras = kNoExtras;  // heredocs and ONBUILD sub-instruction, if any
  static constexpr std::uint32_t kNoExtras = 0xFFFFFFFFu;
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

// A node's flag or argument words, read as string_views (a span of TextRefs underneath).
class WordList {
 public:
  class iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = std::string_view;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = std::string_view;
    iterator() = default;
    iterator(const Ast* ast, const TextRef* at) : ast_(ast), at_(at) {}
    std::string_view operator*() const;
    iterator& operator++() {
      ++at_;
      return *this;
    }
    iterator operator++(int) {
      iterator old = *this;
      ++at_;
      return old;
    }
    bool operator==(const iterator& o) const { return at_ == o.at_; }

   private:
    const Ast* ast_ = nullptr;
    const TextRef* at_ = nullptr;
  };

  WordList(const Ast* ast, std::span<const TextRef> refs) : ast_(ast), refs_(refs) {}
  std::size_t size() const { return refs_.size(); }
  bool empty() const { return refs_.empty(); }
  std::string_view operator[](std::size_t i) const;
  iterator begin() const { return {ast_, refs_.data()}; }
  iterator end() const { return {ast_, refs_.data() + refs_.size()}; }

 private:
  const Ast* ast_;
  std::span<const TextRef> refs_;
};

class Ast {
 public:
  Ast();
  Ast(Ast&&) noexcept;
  Ast& operator=(Ast&&) noexcept;
  ~Ast();

  std::span<const Node> nodes() const { return nodes_; }
  // The instruction word as written, e.g. "RUN" or "copy".
  std::string_view keyword(const Node& n) const;
  // The whole instruction after line continuation.
  std::string_view original(const Node& n) const { return text(n.original); }
  // The leading `--name[=value]` words, quotes removed.
  WordList flags(const Node& n) const { return {this, words(n.words, n.flag_count)}; }
  // The argument words (see the BuildKit rules in parser.cpp).
  WordList args(const Node& n) const { return {this, words(n.words + n.flag_count, n.arg_count)}; }
  std::vector<Heredoc> heredocs(const Node& n) const;
  // The sub-instruction of an ONBUILD node, or null.
  const Node* sub(const Node& n) const;
  // The comment lines right above the instruction, without `#` and surrounding blanks, as
  // BuildKit keeps them: a bare `#` line starts the list over, parser directives are not in it.
  // Build checks read `# check=` overrides from them and --call=targets|outline descriptions.
  std::vector<std::string_view> comments(const Node& n) const;

  char escape() const { return escape_; }
  int start_line() const { return start_line_; }
  int end_line() const { return end_line_; }
  const std::vector<Directive>& directives() const { return directives_; }
  const std::vector<ParseWarning>& warnings() const { return warnings_; }

  // BuildKit's `Node.Dump()` of the root: one `(instruction ...)` line per instruction.
  std::string dump() const;
  std::string dump(const Node& n) const;

  // The text a TextRef of this Ast names.
  std::string_view text(TextRef r) const {
    const std::string& base = (r.offset & TextRef::kInSideText) ? texts_->side : texts_->source;
    return {base.data() + (r.offset & ~TextRef::kInSideText), r.size};
  }

 private:
  friend class Parser;
  struct Texts {
    std::string source;  // continuation lines are joined in place
    std::string side;    // text that is not a substring of the source
  };
  struct HeredocRecord {
    TextRef name;
    TextRef content;
    unsigned fd = 0;
    bool expand = true;
    bool chomp = false;
  };
  struct Extras {  // the rarely used parts of a node
    std::uint32_t heredoc_first = 0;
    std::uint32_t heredoc_count = 0;
    std::int32_t sub = -1;
    std::uint32_t comment_first = 0;
    std::uint32_t comment_count = 0;
  };
  std::span<const TextRef> words(std::uint32_t first, std::uint32_t count) const {
    return std::span<const TextRef>(words_).subspan(first, count);
  }

  std::unique_ptr<Texts> texts_;  // on the heap so views survive moves of the Ast
  std::vector<Node> nodes_;
  std::vector<Node> subs_;
  std::vector<TextRef> words_;
  std::vector<Extras> extras_;
  std::vector<HeredocRecord> heredocs_;
  std::vector<TextRef> comments_;
  std::vector<Directive> directives_;
  std::vector<ParseWarning> warnings_;
  char escape_ = '\\';
  int start_line_ = -1;
  int end_line_ = -1;
};

inline std::string_view WordList::iterator::operator*() const { return ast_->text(*at_); }
inline std::string_view WordList::operator[](std::size_t i) const { return ast_->text(refs_[i]); }

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

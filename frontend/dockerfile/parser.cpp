#include "frontend/dockerfile/parser.h"

#include <algorithm>
#include <cstring>
#include <set>

#include "base/error.h"
#include "frontend/dockerfile/json_array.h"
#include "frontend/dockerfile/shell_lexer.h"
#include "frontend/dockerfile/text.h"

namespace gantry::frontend {

Ast::Ast() = default;
Ast::Ast(Ast&&) noexcept = default;
Ast& Ast::operator=(Ast&&) noexcept = default;
Ast::~Ast() = default;

std::string_view Ast::keyword(const Node& n) const {
  std::string_view t = trim_space(original(n));
  std::size_t k = 0;
  while (k < t.size() && !is_blank(t[k])) ++k;
  return t.substr(0, k);
}

std::vector<Heredoc> Ast::heredocs(const Node& n) const {
  std::vector<Heredoc> out;
  if (n.extras == Node::kNoExtras) return out;
  const Extras& e = extras_[n.extras];
  out.reserve(e.heredoc_count);
  for (std::uint32_t i = 0; i < e.heredoc_count; ++i) {
    const HeredocRecord& h = heredocs_[e.heredoc_first + i];
    out.push_back({text(h.name), text(h.content), h.expand, h.chomp, h.fd});
  }
  return out;
}

const Node* Ast::sub(const Node& n) const {
  if (n.extras == Node::kNoExtras) return nullptr;
  std::int32_t s = extras_[n.extras].sub;
  return s < 0 ? nullptr : &subs_[static_cast<std::size_t>(s)];
}

std::vector<std::string_view> Ast::comments(const Node& n) const {
  std::vector<std::string_view> out;
  if (n.extras == Node::kNoExtras) return out;
  const Extras& e = extras_[n.extras];
  for (std::uint32_t i = 0; i < e.comment_count; ++i) out.push_back(text(comments_[e.comment_first + i]));
  return out;
}

std::string Ast::dump(const Node& n) const {
  std::string out = to_lower(keyword(n));
  auto node_flags = flags(n);
  if (!node_flags.empty()) {
    out += " [";
    for (std::size_t i = 0; i < node_flags.size(); ++i) {
      if (i) out += ' ';
      out += go_quote(node_flags[i]);
    }
    out += ']';
  }
  if (const Node* s = sub(n)) out += " (" + dump(*s) + ")";
  for (std::string_view arg : args(n)) {
    out += ' ';
    out += go_quote(arg);
  }
  return std::string(trim_space(out));
}

std::string Ast::dump() const {
  std::string out;
  for (const Node& n : nodes_) {
    if (!out.empty()) out += '\n';
    out += '(' + dump(n) + ')';
  }
  return out;
}

namespace {

static_assert(sizeof(Node) == 36, "a node per instruction: keep it small (see parser.h)");

// bufio.Scanner's default token limit in BuildKit: longer lines are refused, not split.
constexpr std::size_t kMaxLineLength = 65535;
// TextRef offsets have 31 bits.
constexpr std::size_t kMaxText = TextRef::kInSideText - 1;

std::string_view trim_newline(std::string_view s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

bool is_comment(std::string_view line) {
  line = trim_left_space(trim_newline(line));
  return !line.empty() && line[0] == '#';
}

// `\s` in Go's regexp.
bool is_regex_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }

}  // namespace

class Parser {
 public:
  Parser(std::string content, std::string_view file_name) : file_name_(file_name) {
    ast_.texts_ = std::make_unique<Ast::Texts>();
    ast_.texts_->source = std::move(content);
    rest_ = ast_.texts_->source;
  }

  Ast run() {
    if (rest_.size() > kMaxText)
      throw Error(file_name_ + ": a Dockerfile larger than " + std::to_string(kMaxText) +
                  " bytes is not supported");
    // Tables reserved once at an upper bound (a node per line, a word per byte): regrowing a
    // vector briefly holds two copies, while reserved pages that are never written cost no
    // resident memory.
    std::size_t lines = static_cast<std::size_t>(std::count(rest_.begin(), rest_.end(), '\n')) + 1;
    ast_.nodes_.reserve(lines);
    ast_.words_.reserve(rest_.size() + 16);
    std::string_view raw;
    while (next_line(&raw)) {
      if (line_number_ == 1 && raw.starts_with("\xEF\xBB\xBF")) raw.remove_prefix(3);
      std::string_view text = trim_left_space(trim_newline(raw));
      const std::size_t directives_before = ast_.directives_.size();
      check_directive(text);
      if (is_comment(text)) {
        if (ast_.directives_.size() == directives_before) keep_comment(text);
        text = {};
      }
      else
        check_text(raw);
      const int start_line = line_number_;
      auto [first, complete] = trim_continuation(text);
      if (complete && first.empty()) continue;

      std::string_view line = first;
      bool empty_continuation = false;
      if (!complete) {
        // Joined in place: the joined line is never longer than the source it replaces, and
        // nothing refers to that source once it is read.
        char* joined = ast_.texts_->source.data() + (first.data() - source_base());
        std::size_t joined_size = first.size();
        std::string_view next;
        while (!complete && next_line(&next)) {
          std::string_view part = trim_newline(next);
          check_directive(part);
          if (is_comment(next)) continue;
          check_text(part);
          if (trim_left_space(part).empty()) {
            empty_continuation = true;
            continue;
          }
          auto [piece, ends] = trim_continuation(part);
          std::memmove(joined + joined_size, piece.data(), piece.size());
          joined_size += piece.size();
          complete = ends;
        }
        line = std::string_view(joined, joined_size);
      }
      if (empty_continuation)
        ast_.warnings_.push_back({"Empty continuation line found in: " + std::string(line), line_number_});

      bool heredocs_allowed = false;
      Node node = node_from_line(line, start_line, &heredocs_allowed);
      if (heredocs_allowed && line.find("<<") != std::string_view::npos)
        read_heredocs(line, start_line, &node);
      node.start_line = start_line;
      node.end_line = line_number_;
      attach_comments(&node);
      if (ast_.start_line_ < 0) ast_.start_line_ = start_line;
      ast_.end_line_ = line_number_;
      ast_.nodes_.push_back(node);
    }
    if (ast_.nodes_.empty()) fail(line_number_, "file with no instructions");
    ast_.escape_ = escape_;
    return std::move(ast_);
  }

 private:
  [[noreturn]] void fail(int line, const std::string& what) const {
    throw Error(file_name_ + ":" + std::to_string(line) + ": " + what);
  }

  // One physical line without its '\n' (and without one '\r' before it, as bufio.ScanLines).
  bool next_line(std::string_view* line) {
    if (rest_.empty()) return false;
    const char* nl = static_cast<const char*>(std::memchr(rest_.data(), '\n', rest_.size()));
    std::size_t len = nl ? static_cast<std::size_t>(nl - rest_.data()) : rest_.size();
    ++line_number_;
    if (len > kMaxLineLength)
      fail(line_number_, "dockerfile line greater than max allowed size of " + std::to_string(kMaxLineLength));
    *line = rest_.substr(0, len);
    rest_.remove_prefix(nl ? len + 1 : len);
    if (!line->empty() && line->back() == '\r') line->remove_suffix(1);
    return true;
  }

  // Every line but a comment must be UTF-8 text without NUL bytes (see text_fault); comments
  // are never read, so they may hold anything, as in BuildKit.
  void check_text(std::string_view line) const {
    if (auto fault = text_fault(line)) fail(line_number_, *fault + ": a Dockerfile must be UTF-8 text");
  }

  // Parser directives are `# key=value` comments before anything else in the file.
  void check_directive(std::string_view line) {
    ++directive_line_;
    if (directives_done_) return;
    if (directive_line_ == 1 && line.starts_with("#!")) return;  // a shebang is allowed first
    std::string name, value;
    if (!match_directive(line, &name, &value)) {
      directives_done_ = true;
      return;
    }
    name = to_lower(name);
    if (name != "syntax" && name != "escape" && name != "check") {
      directives_done_ = true;
      return;
    }
    if (!seen_directives_.insert(name).second)
      fail(line_number_, "only one " + name + " parser directive can be used");
    if (name == "escape") {
      if (value != "\\" && value != "`")
        fail(line_number_, "invalid escape token '" + value + "' does not match ` or \\");
      escape_ = value[0];
    }
    ast_.directives_.push_back({name, value, line_number_});
  }

  // `^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`
  static bool match_directive(std::string_view line, std::string* name, std::string* value) {
    std::size_t pos = 0;
    if (line.empty() || line[0] != '#') return false;
    ++pos;
    while (pos < line.size() && is_regex_space(line[pos])) ++pos;
    std::size_t name_start = pos;
    if (pos >= line.size() || !std::isalpha(static_cast<unsigned char>(line[pos]))) return false;
    while (pos < line.size() && std::isalnum(static_cast<unsigned char>(line[pos]))) ++pos;
    *name = std::string(line.substr(name_start, pos - name_start));
    while (pos < line.size() && is_regex_space(line[pos])) ++pos;
    if (pos >= line.size() || line[pos] != '=') return false;
    ++pos;
    std::size_t end = line.size();
    while (end > pos && is_regex_space(line[end - 1])) --end;
    std::size_t value_start = pos;
    while (value_start < end && is_regex_space(line[value_start])) ++value_start;
    if (value_start == end) {
      // Only blanks after '=': the lazy group backtracks into the last of them.
      if (end == line.size()) return false;
      *value = std::string(1, line[line.size() - 1]);
      return true;
    }
    *value = std::string(line.substr(value_start, end - value_start));
    return true;
  }

  // A line ending in the escape char (blanks after it allowed, not escaped itself) continues;
  // a line holding only the escape char continues too.
  std::pair<std::string_view, bool> trim_continuation(std::string_view line) const {
    std::size_t end = line.size();
    while (end > 0 && (line[end - 1] == ' ' || line[end - 1] == '\t')) --end;
    if (end >= 1 && line[end - 1] == escape_ && (end == 1 || line[end - 2] != escape_))
      return {line.substr(0, end - 1), false};
    return {line, true};
  }

  const char* source_base() const { return ast_.texts_->source.data(); }

  // `s` must lie in the source (or be empty).
  TextRef source_ref(std::string_view s) const {
    if (s.empty()) return {};
    return {static_cast<std::uint32_t>(s.data() - source_base()),
            static_cast<std::uint32_t>(s.size())};
  }

  // A copy of `s` in the side text.
  TextRef side_ref(std::string_view s) {
    if (s.empty()) return {};
    std::string& side = ast_.texts_->side;
    if (side.size() + s.size() > kMaxText)
      throw Error(file_name_ + ": Dockerfile too large to parse");
    TextRef r{TextRef::kInSideText | static_cast<std::uint32_t>(side.size()),
              static_cast<std::uint32_t>(s.size())};
    side += s;
    return r;
  }

  void add_word(std::string_view in_source) { ast_.words_.push_back(source_ref(in_source)); }
  void add_word(TextRef r) { ast_.words_.push_back(r); }

  std::uint32_t add_extras(Node* node) {
    if (node->extras == Node::kNoExtras) {
      node->extras = static_cast<std::uint32_t>(ast_.extras_.size());
      ast_.extras_.push_back({});
    }
    return node->extras;
  }

  // A comment line above the next instruction (see Ast::comments).
  void keep_comment(std::string_view line) {
    std::string_view comment = trim_space(line.substr(1));
    if (comment.empty()) {
      pending_comments_.clear();
      return;
    }
    pending_comments_.push_back(source_ref(comment));
  }

  void attach_comments(Node* node) {
    if (pending_comments_.empty()) return;
    Ast::Extras& extras = ast_.extras_[add_extras(node)];
    extras.comment_first = static_cast<std::uint32_t>(ast_.comments_.size());
    extras.comment_count = static_cast<std::uint32_t>(pending_comments_.size());
    ast_.comments_.insert(ast_.comments_.end(), pending_comments_.begin(), pending_comments_.end());
    pending_comments_.clear();
  }

  std::uint32_t word_count() const { return static_cast<std::uint32_t>(ast_.words_.size()); }

  // `heredocs_allowed` is set when the instruction (for ONBUILD, its sub-instruction) is a RUN,
  // COPY or ADD in shell form.
  Node node_from_line(std::string_view line, int line_no, bool* heredocs_allowed) {
    Node node;
    node.original = source_ref(line);
    std::string_view trimmed = trim_space(line);
    std::size_t split = 0;
    while (split < trimmed.size() && !is_blank(trimmed[split])) ++split;
    std::string keyword = to_lower(trimmed.substr(0, split));
    std::size_t rest_start = split;
    while (rest_start < trimmed.size() && is_blank(trimmed[rest_start])) ++rest_start;
    std::string_view rest;
    node.words = word_count();
    if (split < trimmed.size()) rest = trim_space(extract_flags(trimmed.substr(rest_start)));
    node.flag_count = word_count() - node.words;

    std::uint32_t first = word_count();
    *heredocs_allowed = false;
    parse_arguments(keyword, rest, &node, line_no, heredocs_allowed);
    // An ONBUILD node has no arguments: the words after its flags are its sub-instruction's.
    if (keyword != "onbuild") {
      node.arg_count = word_count() - first;
      *heredocs_allowed = !node.json && (keyword == "run" || keyword == "copy" || keyword == "add");
    }
    return node;
  }

  void parse_arguments(const std::string& keyword, std::string_view rest, Node* node, int line_no,
                       bool* sub_heredocs_allowed) {
    if (keyword == "run" || keyword == "cmd" || keyword == "entrypoint" || keyword == "shell") {
      maybe_json(rest, node, line_no, false);
    } else if (keyword == "add" || keyword == "copy" || keyword == "volume") {
      maybe_json(rest, node, line_no, true);
    } else if (keyword == "from" || keyword == "expose") {
      split_blanks(rest);
    } else if (keyword == "env" || keyword == "label") {
      name_value(rest, keyword == "env" ? "ENV" : "LABEL", line_no);
    } else if (keyword == "arg") {
      for (std::string_view w : split_words(rest)) add_word(w);
    } else if (keyword == "healthcheck") {
      health(rest, node, line_no);
    } else if (keyword == "maintainer" || keyword == "user" || keyword == "workdir" ||
               keyword == "stopsignal") {
      if (!rest.empty()) add_word(rest);
    } else if (keyword == "onbuild") {
      if (!rest.empty()) {
        // The sub-instruction's words go right after the ONBUILD node's flags.
        Node sub = node_from_line(rest, line_no, sub_heredocs_allowed);
        ast_.subs_.push_back(sub);
        ast_.extras_[add_extras(node)].sub = static_cast<std::int32_t>(ast_.subs_.size() - 1);
      }
    } else {
      add_word(TextRef{});  // unknown instructions keep one empty argument
    }
  }

  // Exec form when the text is a JSON array of strings, otherwise shell form: one argument, or
  // (for ADD/COPY/VOLUME) the words split on blanks.
  void maybe_json(std::string_view rest, Node* node, int line_no, bool split_shell_form) {
    if (rest.empty()) return;
    std::string_view text = trim_left_space(rest);
    if (!text.empty() && text[0] == '[') {
      std::vector<std::string> items;
      switch (parse_json_string_array(text, items)) {
        case JsonArrayResult::Strings: {
          // A string without escapes is its own text in the source.
          std::size_t pos = 0;
          for (const std::string& item : items) {
            std::string_view raw = next_json_literal(text, &pos);
            add_word(raw == item ? source_ref(raw) : side_ref(item));
          }
          node->json = true;
          return;
        }
        case JsonArrayResult::NotStrings:
          fail(line_no, "when using JSON array syntax, arrays must be comprised of strings only");
        case JsonArrayResult::NotJson:
          break;
      }
    }
    if (split_shell_form)
      split_blanks(rest);
    else
      add_word(rest);
  }

  // The text of the next JSON string literal at or after `*pos`, without its quotes.
  static std::string_view next_json_literal(std::string_view json, std::size_t* pos) {
    std::size_t open = json.find('"', *pos);
    if (open == std::string_view::npos) {
      *pos = json.size();
      return {};
    }
    std::size_t close = open + 1;
    while (close < json.size() && json[close] != '"') close += json[close] == '\\' ? 2 : 1;
    close = std::min(close, json.size());
    *pos = close + 1;
    return json.substr(open + 1, close - open - 1);
  }

  void split_blanks(std::string_view rest) {
    if (rest.empty()) return;
    std::size_t pos = 0;
    for (;;) {
      std::size_t end = pos;
      while (end < rest.size() && !is_blank(rest[end])) ++end;
      add_word(rest.substr(pos, end - pos));
      if (end == rest.size()) return;
      pos = end;
      while (pos < rest.size() && is_blank(rest[pos])) ++pos;
      if (pos == rest.size()) {
        add_word(TextRef{});  // a trailing separator leaves an empty last field
        return;
      }
    }
  }

  void name_value(std::string_view rest, const char* instruction, int line_no) {
    std::vector<std::string_view> words = split_words(rest);
    if (words.empty()) return;
    if (words[0].find('=') == std::string_view::npos) {
      // Legacy `ENV key value`: the key, then the rest of the line verbatim.
      std::size_t split = 0;
      while (split < rest.size() && !is_blank(rest[split])) ++split;
      std::size_t value = split;
      while (value < rest.size() && is_blank(rest[value])) ++value;
      if (split == rest.size()) fail(line_no, std::string(instruction) + " must have two arguments");
      add_word(rest.substr(0, split));
      add_word(rest.substr(value));
      add_word(TextRef{});
      return;
    }
    for (std::string_view word : words) {
      std::size_t eq = word.find('=');
      if (eq == std::string_view::npos)
        fail(line_no, "Syntax error - can't find = in " + go_quote(word) + ". Must be of the form: name=value");
      add_word(word.substr(0, eq));
      add_word(word.substr(eq + 1));
      add_word(word.substr(eq, 1));  // "="
    }
  }

  void health(std::string_view rest, Node* node, int line_no) {
    std::size_t sep = 0;
    while (sep < rest.size() && !is_ascii_space(rest[sep])) ++sep;
    if (sep == 0) return;
    std::size_t next = sep;
    while (next < rest.size() && is_ascii_space(rest[next])) ++next;
    add_word(rest.substr(0, sep));
    maybe_json(rest.substr(next), node, line_no, false);
  }

  // Splits on Unicode whitespace outside quotes, keeping quotes and escapes in the words (each
  // word is a substring of `rest`). A trailing lone escape char is dropped.
  std::vector<std::string_view> split_words(std::string_view rest) const {
    std::vector<std::string_view> words;
    enum { Spaces, Word, Quote } phase = Spaces;
    char quote = 0;
    std::size_t start = 0;
    std::size_t pos = 0;
    auto end_word = [&](std::size_t end) {
      if (end > start) words.push_back(rest.substr(start, end - start));
    };
    while (pos < rest.size()) {
      Rune r = decode_rune(rest, pos);
      bool space = (r.code < 0x80 || r.width > 1) && is_unicode_space(r.code);
      if (phase == Spaces) {
        if (space) {
          pos += r.width;
          continue;
        }
        phase = Word;
        start = pos;
      }
      if (phase == Word) {
        if (space) {
          end_word(pos);
          phase = Spaces;
          pos += r.width;
          continue;
        }
        if (r.code == '\'' || r.code == '"') {
          quote = static_cast<char>(r.code);
          phase = Quote;
          pos += r.width;
          continue;
        }
        if (r.code == static_cast<unsigned char>(escape_)) {
          if (pos + r.width == rest.size()) {
            end_word(pos);  // drop a trailing escape
            return words;
          }
          pos += r.width;
          pos += decode_rune(rest, pos).width;
          continue;
        }
        pos += r.width;
        continue;
      }
      // Quote: the escape char works except inside single quotes.
      if (r.code == static_cast<unsigned char>(quote)) {
        phase = Word;
        pos += r.width;
        continue;
      }
      if (r.code == static_cast<unsigned char>(escape_) && quote != '\'') {
        if (pos + r.width == rest.size()) {
          end_word(pos);
          return words;
        }
        pos += r.width;
        pos += decode_rune(rest, pos).width;
        continue;
      }
      pos += r.width;
    }
    if (phase != Spaces) end_word(pos);
    return words;
  }

  // The leading `--flag[=value]` words; returns the rest of the line. A lone `--` ends the
  // flags. Quotes are removed and `\` escapes the next char inside flag words.
  std::string_view extract_flags(std::string_view line) {
    std::size_t pos = 0;
    for (;;) {
      while (pos < line.size() && is_ascii_space(line[pos])) ++pos;
      if (pos + 1 >= line.size() || line[pos] != '-' || line[pos + 1] != '-') return line.substr(pos);
      std::size_t start = pos;
      // Fast path: a flag word without quotes or backslashes is its own text.
      std::size_t end = pos;
      while (end < line.size() && !is_ascii_space(line[end]) && line[end] != '\'' && line[end] != '"' &&
             line[end] != '\\')
        ++end;
      if (end == line.size() || is_ascii_space(line[end])) {
        std::string_view word = line.substr(start, end - start);
        if (word == "--") return line.substr(end);
        add_word(word);
        pos = end;
        if (pos >= line.size()) return {};
        continue;
      }
      std::string word;
      bool modified = false, quoted = false;
      char quote = 0;
      while (pos < line.size()) {
        char c = line[pos];
        if (quote) {
          if (c == quote) {
            quote = 0;
            ++pos;
            continue;
          }
        } else {
          if (is_ascii_space(c)) break;
          if (c == '\'' || c == '"') {
            quote = c;
            quoted = modified = true;
            ++pos;
            continue;
          }
        }
        if (c == '\\') {
          modified = true;
          if (pos + 1 == line.size()) {
            ++pos;
            quote = 0;
            continue;
          }
          c = line[++pos];
        }
        word += c;
        ++pos;
      }
      if (word == "--") return line.substr(pos);
      if (quoted || !word.empty())
        add_word(modified ? side_ref(word) : source_ref(line.substr(start, pos - start)));
      if (pos >= line.size()) return {};
    }
  }

  void read_heredocs(std::string_view line, int start_line, Node* node) {
    std::vector<std::string> words;
    try {
      ShellLexer lexer(ShellLexerOptions{.raw_quotes = true, .raw_escapes = true});
      words = lexer.process_words(line, {});
    } catch (const Error&) {
      return;  // a line the lexer cannot split has no heredocs
    }
    std::uint32_t first = static_cast<std::uint32_t>(ast_.heredocs_.size());
    for (const std::string& word : words) {
      HeredocWord h;
      try {
        if (!parse_heredoc_word(word, &h)) continue;
      } catch (const Error& e) {
        fail(start_line, e.what());
      }
      // The body is its own text in the source unless a line ended in "\r\n".
      const char* source_end = source_base() + ast_.texts_->source.size();
      const char* body_begin = rest_.data();
      const char* body_end = body_begin;
      bool in_source = true;
      std::string content;
      bool terminated = false;
      std::string_view body_line;
      while (next_line(&body_line)) {
        check_text(body_line);
        std::string_view candidate = trim_newline(body_line);
        if (h.chomp) {
          while (!candidate.empty() && candidate[0] == '\t') candidate.remove_prefix(1);
        }
        if (candidate == h.name) {
          terminated = true;
          break;
        }
        const char* line_end = body_line.data() + body_line.size();
        if (in_source && (line_end == source_end || *line_end != '\n')) {
          content.assign(body_begin, body_end);
          in_source = false;
        }
        if (in_source) {
          body_end = line_end + 1;
        } else {
          content += body_line;
          content += '\n';
        }
      }
      if (!terminated) fail(start_line, "unterminated heredoc");
      std::size_t name_at = line.find(h.name);
      TextRef name = name_at == std::string_view::npos
                         ? side_ref(h.name)
                         : source_ref(line.substr(name_at, h.name.size()));
      TextRef body = in_source ? source_ref(std::string_view(
                                     body_begin, static_cast<std::size_t>(body_end - body_begin)))
                               : side_ref(content);
      ast_.heredocs_.push_back({name, body, h.fd, h.expand, h.chomp});
    }
    auto count = static_cast<std::uint32_t>(ast_.heredocs_.size()) - first;
    if (count == 0) return;
    Ast::Extras& extras = ast_.extras_[add_extras(node)];
    extras.heredoc_first = first;
    extras.heredoc_count = count;
  }

  std::string file_name_;
  Ast ast_;
  std::string_view rest_;
  int line_number_ = 0;
  char escape_ = '\\';
  int directive_line_ = 0;
  bool directives_done_ = false;
  std::set<std::string> seen_directives_;
  std::vector<TextRef> pending_comments_;  // comments since the last instruction
};

Ast parse(std::string content, std::string_view file_name) {
  return Parser(std::move(content), file_name).run();
}

bool parse_heredoc_word(std::string_view word, HeredocWord* out) {
  // `^(\d*)<<(-?)([^<]*)$`
  std::size_t pos = 0;
  while (pos < word.size() && word[pos] >= '0' && word[pos] <= '9') ++pos;
  std::string_view digits = word.substr(0, pos);
  if (word.substr(pos, 2) != "<<") return false;
  pos += 2;
  bool chomp = pos < word.size() && word[pos] == '-';
  if (chomp) ++pos;
  std::string_view rest = word.substr(pos);
  if (rest.empty() || rest.find('<') != std::string_view::npos) return false;

  // Lexed with and without quote removal: if the quote counts differ, part of the terminator
  // was quoted and the body is not expanded.
  ShellLexer plain(ShellLexerOptions{.skip_unset_env = true});
  ShellLexer raw(ShellLexerOptions{.raw_quotes = true, .skip_unset_env = true});
  std::vector<std::string> words = plain.process_words(rest, {});
  if (words.size() != 1) return false;
  std::vector<std::string> raw_words = raw.process_words(rest, {});
  if (raw_words.size() != 1)
    throw Error("internal lexing of heredoc produced inconsistent results: " + std::string(rest));
  auto quotes = [](const std::string& s) {
    return std::count(s.begin(), s.end(), '\'') + std::count(s.begin(), s.end(), '"');
  };
  unsigned fd = 0;
  for (char c : digits) fd = fd * 10 + static_cast<unsigned>(c - '0');
  if (digits.size() > 9) fd = 0;  // out of range: as a failed ParseUint
  *out = {words[0], quotes(words[0]) == quotes(raw_words[0]), chomp, fd};
  return true;
}

}  // namespace gantry::frontend

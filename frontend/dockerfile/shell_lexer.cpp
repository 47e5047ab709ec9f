#include "frontend/dockerfile/shell_lexer.h"

#include <optional>

#include "base/error.h"
#include "frontend/dockerfile/shell_pattern.h"
#include "frontend/dockerfile/text.h"

namespace gantry::frontend {

namespace {

constexpr std::int64_t kEof = -1;

// How deep ${...} may nest inside ${...}: far beyond any real Dockerfile, and far below what the
// stack holds (each level is a few recursive calls).
constexpr int kMaxNesting = 100;

// The longest word an error quotes whole; a longer one is cut (a hostile line can be 64 KiB).
constexpr std::size_t kMaxQuotedWord = 200;

// A failure inside the word; wrapped once with the whole word at the top.
struct LexFailure {
  std::string reason;
};

// Reads runes from the word. Invalid UTF-8 bytes are runes of their own and are copied back
// byte for byte, so expansion never rewrites text it does not understand.
class RuneScanner {
 public:
  explicit RuneScanner(std::string_view text) : text_(text) {}
  std::int64_t peek() const { return pos_ < text_.size() ? decode_rune(text_, pos_).code : kEof; }
  // Advances over one rune and returns it; its bytes are last_bytes().
  std::int64_t next() {
    if (pos_ >= text_.size()) {
      last_ = {};
      return kEof;
    }
    Rune r = decode_rune(text_, pos_);
    last_ = text_.substr(pos_, r.width);
    pos_ += r.width;
    return r.code;
  }
  std::string_view last_bytes() const { return last_; }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  std::string_view last_;
};

bool is_space_rune(std::int64_t c, std::string_view bytes) {
  return c >= 0 && (c < 0x80 || bytes.size() > 1) && is_unicode_space(static_cast<std::uint32_t>(c));
}

// The words being built by process_words: unquoted expansions split on blanks.
class WordSplitter {
 public:
  void add_char(std::int64_t c, std::string_view bytes) {
    if (is_space_rune(c, bytes)) {
      if (in_word_ && !word_.empty()) {
        words_.push_back(std::move(word_));
        word_.clear();
        in_word_ = false;
      }
      return;
    }
    add_raw(bytes);
  }
  void add_raw(std::string_view bytes) {
    word_ += bytes;
    in_word_ = true;
  }
  void add_string(std::string_view s) {
    for (std::size_t pos = 0; pos < s.size();) {
      Rune r = decode_rune(s, pos);
      add_char(r.code, s.substr(pos, r.width));
      pos += r.width;
    }
  }
  std::vector<std::string> finish() {
    if (!word_.empty()) words_.push_back(std::move(word_));
    return std::move(words_);
  }

 private:
  std::string word_;
  std::vector<std::string> words_;
  bool in_word_ = false;
};

// ---- the word processor -----------------------------------------------------------------------

class WordProcessor {
 public:
  WordProcessor(std::string_view word, const ShellEnv& env, const ShellLexerOptions& options,
                std::set<std::string>* referenced)
      : scanner_(word), env_(env), options_(options), raw_escapes_(options.raw_escapes),
        referenced_(referenced) {}

  struct Result {
    std::string word;
    std::vector<std::string> words;
  };

  Result process() { return process_until(kEof, raw_escapes_); }

 private:
  Result process_until(std::int64_t stop, bool raw_escapes) {
    bool saved_raw_escapes = raw_escapes_;
    raw_escapes_ = raw_escapes;
    std::string result;
    WordSplitter words;
    while (scanner_.peek() != kEof) {
      std::int64_t c = scanner_.peek();
      if (stop != kEof && c == stop) {
        scanner_.next();
        raw_escapes_ = saved_raw_escapes;
        return {std::move(result), words.finish()};
      }
      if (c == '$') {
        std::string value = process_dollar();
        result += value;
        words.add_string(value);
      } else if ((c == '\'' || c == '"') && !options_.skip_quotes) {
        std::string value = c == '\'' ? process_single_quote() : process_double_quote();
        result += value;
        words.add_raw(value);
      } else {
        scanner_.next();
        std::string_view bytes = scanner_.last_bytes();
        if (c == static_cast<unsigned char>(options_.escape)) {
          if (raw_escapes_) {
            words.add_raw(bytes);
            result += bytes;
          }
          c = scanner_.next();  // the escape protects the next rune; at the end it vanishes
          if (c == kEof) break;
          bytes = scanner_.last_bytes();
          words.add_raw(bytes);
        } else {
          words.add_char(c, bytes);
        }
        result += bytes;
      }
    }
    raw_escapes_ = saved_raw_escapes;
    if (stop != kEof)
      throw LexFailure{"unexpected end of statement while looking for matching " +
                       std::string(1, static_cast<char>(stop))};
    return {std::move(result), words.finish()};
  }

  std::string process_single_quote() {
    std::string result;
    scanner_.next();
    if (options_.raw_quotes) result += '\'';
    for (;;) {
      std::int64_t c = scanner_.next();
      if (c == kEof) throw LexFailure{"unexpected end of statement while looking for matching single-quote"};
      if (c == '\'') {
        if (options_.raw_quotes) result += '\'';
        return result;
      }
      result += scanner_.last_bytes();
    }
  }

  std::string process_double_quote() {
    std::string result;
    scanner_.next();
    if (options_.raw_quotes) result += '"';
    for (;;) {
      std::int64_t c = scanner_.peek();
      if (c == kEof) throw LexFailure{"unexpected end of statement while looking for matching double-quote"};
      if (c == '"') {
        scanner_.next();
        if (options_.raw_quotes) result += '"';
        return result;
      }
      if (c == '$') {
        result += process_dollar();
        continue;
      }
      scanner_.next();
      std::string_view bytes = scanner_.last_bytes();
      if (c == static_cast<unsigned char>(options_.escape)) {
        if (raw_escapes_) result += bytes;
        std::int64_t after = scanner_.peek();
        if (after == kEof) continue;  // an escape at the very end is dropped
        // Inside double quotes the escape only protects `"`, `$` and itself.
        if (after == '"' || after == '$' || after == static_cast<unsigned char>(options_.escape)) {
          scanner_.next();
          bytes = scanner_.last_bytes();
        }
      }
      result += bytes;
    }
  }

  std::optional<std::string> lookup(const std::string& name) {
    if (referenced_) referenced_->insert(name);
    auto it = env_.find(name);
    if (it == env_.end()) return std::nullopt;
    return it->second;
  }

  static bool is_special_param(std::int64_t c) {
    switch (c) {
      case '@': case '*': case '#': case '?': case '-': case '$': case '!': case '0':
        return true;
      default:
        return false;
    }
  }
  static bool is_digit(std::int64_t c) { return c >= '0' && c <= '9'; }
  // Non-ASCII runes count as letters (as Go's unicode.IsLetter does for every script in use).
  static bool is_name_rune(std::int64_t c) {
    return is_digit(c) || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= 0x80 && !is_unicode_space(static_cast<std::uint32_t>(c)));
  }

  std::string process_name() {
    std::string name;
    while (scanner_.peek() != kEof) {
      std::int64_t c = scanner_.peek();
      if (name.empty() && is_digit(c)) {  // positional parameters: $1, ${10}
        while (is_digit(scanner_.peek())) {
          scanner_.next();
          name += scanner_.last_bytes();
        }
        return name;
      }
      if (name.empty() && is_special_param(c)) {
        scanner_.next();
        return std::string(scanner_.last_bytes());
      }
      if (!is_name_rune(c)) break;
      scanner_.next();
      name += scanner_.last_bytes();
    }
    return name;
  }

  std::string process_dollar() {
    scanner_.next();  // '$'
    if (scanner_.peek() != '{') {
      std::string name = process_name();
      if (name.empty()) return "$";
      auto value = lookup(name);
      if (!value && options_.skip_unset_env) return "$" + name;
      return value.value_or("");
    }
    scanner_.next();  // '{'
    switch (scanner_.peek()) {
      case kEof: throw LexFailure{"syntax error: missing '}'"};
      case '{': case '}': case ':': throw LexFailure{"syntax error: bad substitution"};
      default: break;
    }
    std::string name = process_name();
    std::int64_t c = scanner_.next();
    std::string modifier(scanner_.last_bytes());
    if (c == '}') {
      auto value = lookup(name);
      if (!value && options_.skip_unset_env) return "${" + name + "}";
      return value.value_or("");
    }
    if (c == '/') return process_replacement(name);

    bool null_is_unset = false;
    if (c == ':') {
      null_is_unset = true;
      c = scanner_.next();
      modifier += scanner_.last_bytes();
    }
    bool is_pattern = c == '#' || c == '%';
    if (!(c == '+' || c == '-' || c == '?' || is_pattern) || (null_is_unset && is_pattern))
      throw LexFailure{"unsupported modifier (" + modifier + ") in substitution"};
    std::string word = argument_until('}', is_pattern, "syntax error: missing '}'");
    auto value = lookup(name);
    if (!value && options_.skip_unset_env) return "${" + name + modifier + word + "}";
    bool unset_or_null = !value || (null_is_unset && value->empty());
    switch (c) {
      case '-':
        return unset_or_null ? word : *value;
      case '+':
        return unset_or_null ? "" : word;
      case '?':
        if (unset_or_null) {
          std::string message = !word.empty() ? word
                                : !value      ? "is not allowed to be unset"
                                              : "is not allowed to be empty";
          throw LexFailure{name + ": " + message};
        }
        return *value;
      default: {
        bool longest = !word.empty() && word[0] == static_cast<char>(c);
        std::string_view pattern = longest ? std::string_view(word).substr(1) : std::string_view(word);
        return pattern_result([&] { return remove_affix(value.value_or(""), pattern, c == '%', longest); });
      }
    }
  }

  std::string process_replacement(const std::string& name) {
    bool all = scanner_.peek() == '/';
    if (all) scanner_.next();
    std::string pattern = argument_until('/', true, "syntax error: missing '/' in ${}");
    std::string replacement = argument_until('}', true, "syntax error: missing '}'");
    auto value = lookup(name);
    if (!value && options_.skip_unset_env) return "${" + name + "/" + pattern + "/" + replacement + "}";
    return pattern_result([&] { return replace_pattern(value.value_or(""), pattern, replacement, all); });
  }

  // A bad pattern's error carries only the reason; the word is added at the top, as for every
  // LexFailure.
  template <class Expand>
  static std::string pattern_result(const Expand& expand) {
    try {
      return expand();
    } catch (const Error& e) {
      throw LexFailure{e.what()};
    }
  }

  // The word inside ${...} up to `stop`; running off the end is reported as `at_end`.
  std::string argument_until(char stop, bool raw_escapes, const char* at_end) {
    if (nesting_ == kMaxNesting)
      throw LexFailure{"${...} nested more than " + std::to_string(kMaxNesting) + " levels deep"};
    ++nesting_;  // a failure ends the whole word: the count need not come back down then
    try {
      std::string word = process_until(stop, raw_escapes).word;
      --nesting_;
      return word;
    } catch (const LexFailure&) {
      if (scanner_.peek() == kEof) throw LexFailure{at_end};
      throw;
    }
  }

  RuneScanner scanner_;
  const ShellEnv& env_;
  const ShellLexerOptions& options_;
  bool raw_escapes_;
  std::set<std::string>* referenced_;
  int nesting_ = 0;
};

// `word` quoted for an error, cut at a rune boundary when it is too long to read in one line.
std::string quoted_for_error(std::string_view word) {
  if (word.size() <= kMaxQuotedWord) return go_quote(word);
  std::size_t cut = 0;
  while (cut < kMaxQuotedWord) cut += decode_rune(word, cut).width;
  return go_quote(word.substr(0, cut)) + "... (" + std::to_string(word.size()) + " bytes)";
}

}  // namespace

std::string ShellLexer::process_word(std::string_view word, const ShellEnv& env,
                                     std::set<std::string>* referenced) const {
  try {
    return WordProcessor(word, env, options_, referenced).process().word;
  } catch (const LexFailure& failure) {
    throw Error("failed to process " + quoted_for_error(word) + ": " + failure.reason);
  }
}

std::vector<std::string> ShellLexer::process_words(std::string_view word, const ShellEnv& env) const {
  try {
    return WordProcessor(word, env, options_, nullptr).process().words;
  } catch (const LexFailure& failure) {
    throw Error("failed to process " + quoted_for_error(word) + ": " + failure.reason);
  }
}

}  // namespace gantry::frontend

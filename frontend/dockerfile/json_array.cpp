#include "frontend/dockerfile/json_array.h"

#include <cctype>

#include "frontend/dockerfile/text.h"

namespace gantry::frontend {

namespace {

// Go's decoder refuses nesting deeper than this; deeper input is a syntax error, not a crash.
constexpr int kMaxDepth = 10000;

class JsonReader {
 public:
  explicit JsonReader(std::string_view text) : text_(text) {}

  // Reads the top-level value. Returns false on a syntax error.
  bool read_document(std::vector<std::string>& strings, bool& all_strings) {
    skip_ws();
    if (!at('[')) return false;
    ++pos_;
    skip_ws();
    all_strings = true;
    if (at(']')) {
      ++pos_;
    } else {
      for (;;) {
        skip_ws();
        if (at('"')) {
          std::string s;
          if (!read_string(&s)) return false;
          strings.push_back(std::move(s));
        } else {
          all_strings = false;
          if (!skip_value(1)) return false;
        }
        skip_ws();
        if (at(',')) { ++pos_; continue; }
        if (at(']')) { ++pos_; break; }
        return false;
      }
    }
    skip_ws();
    return pos_ == text_.size();
  }

 private:
  bool at(char c) const { return pos_ < text_.size() && text_[pos_] == c; }
  void skip_ws() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r'))
      ++pos_;
  }

  bool read_literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  bool read_hex4(std::uint32_t* value) {
    if (pos_ + 4 > text_.size()) return false;
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      int h = hex_value(text_[pos_ + i]);
      if (h < 0) return false;
      v = v * 16 + static_cast<std::uint32_t>(h);
    }
    pos_ += 4;
    *value = v;
    return true;
  }

  // Reads a string; `out` may be null to only validate. Invalid UTF-8 and lone surrogates
  // become U+FFFD, as in Go.
  bool read_string(std::string* out) {
    ++pos_;  // opening quote
    while (pos_ < text_.size()) {
      unsigned char c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) return false;
      if (c == '\\') {
        if (++pos_ >= text_.size()) return false;
        char e = text_[pos_++];
        std::uint32_t code = 0;
        switch (e) {
          case '"': code = '"'; break;
          case '\\': code = '\\'; break;
          case '/': code = '/'; break;
          case 'b': code = '\b'; break;
          case 'f': code = '\f'; break;
          case 'n': code = '\n'; break;
          case 'r': code = '\r'; break;
          case 't': code = '\t'; break;
          case 'u': {
            if (!read_hex4(&code)) return false;
            if (code >= 0xD800 && code < 0xDC00) {
              std::size_t save = pos_;
              std::uint32_t low = 0;
              if (read_literal("\\u") && read_hex4(&low) && low >= 0xDC00 && low < 0xE000) {
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
              } else {
                pos_ = save;
                code = 0xFFFD;
              }
            } else if (code >= 0xDC00 && code < 0xE000) {
              code = 0xFFFD;
            }
            break;
          }
          default:
            return false;
        }
        if (out) append_rune(*out, code);
        continue;
      }
      Rune r = decode_rune(text_, pos_);
      if (out) {
        if (c >= 0x80 && r.width == 1)
          append_rune(*out, 0xFFFD);
        else
          out->append(text_.substr(pos_, r.width));
      }
      pos_ += r.width;
    }
    return false;
  }

  bool read_number() {
    if (at('-')) ++pos_;
    if (at('0')) {
      ++pos_;
    } else if (pos_ < text_.size() && text_[pos_] >= '1' && text_[pos_] <= '9') {
      while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    } else {
      return false;
    }
    if (at('.')) {
      ++pos_;
      if (pos_ >= text_.size() || !std::isdigit(static_cast<unsigned char>(text_[pos_]))) return false;
      while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    }
    if (at('e') || at('E')) {
      ++pos_;
      if (at('+') || at('-')) ++pos_;
      if (pos_ >= text_.size() || !std::isdigit(static_cast<unsigned char>(text_[pos_]))) return false;
      while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    }
    return true;
  }

  bool skip_value(int depth) {
    if (depth > kMaxDepth) return false;
    skip_ws();
    if (pos_ >= text_.size()) return false;
    switch (text_[pos_]) {
      case '"': return read_string(nullptr);
      case 't': return read_literal("true");
      case 'f': return read_literal("false");
      case 'n': return read_literal("null");
      case '[': {
        ++pos_;
        skip_ws();
        if (at(']')) { ++pos_; return true; }
        for (;;) {
          if (!skip_value(depth + 1)) return false;
          skip_ws();
          if (at(',')) { ++pos_; continue; }
          if (at(']')) { ++pos_; return true; }
          return false;
        }
      }
      case '{': {
        ++pos_;
        skip_ws();
        if (at('}')) { ++pos_; return true; }
        for (;;) {
          skip_ws();
          if (!at('"') || !read_string(nullptr)) return false;
          skip_ws();
          if (!at(':')) return false;
          ++pos_;
          if (!skip_value(depth + 1)) return false;
          skip_ws();
          if (at(',')) { ++pos_; continue; }
          if (at('}')) { ++pos_; return true; }
          return false;
        }
      }
      default:
        return read_number();
    }
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

JsonArrayResult parse_json_string_array(std::string_view text, std::vector<std::string>& out) {
  std::vector<std::string> strings;
  bool all_strings = false;
  JsonReader reader(text);
  if (!reader.read_document(strings, all_strings)) return JsonArrayResult::NotJson;
  if (!all_strings) return JsonArrayResult::NotStrings;
  out = std::move(strings);
  return JsonArrayResult::Strings;
}

}  // namespace gantry::frontend

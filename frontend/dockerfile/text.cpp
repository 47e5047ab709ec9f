#include "frontend/dockerfile/text.h"

namespace gantry::frontend {

Rune decode_rune(std::string_view s, std::size_t pos) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char b0 = byte(pos);
  if (b0 < 0x80) return {b0, 1};
  std::size_t len = b0 >= 0xF0 && b0 < 0xF5 ? 4 : b0 >= 0xE0 ? 3 : b0 >= 0xC2 && b0 < 0xE0 ? 2 : 0;
  if (len == 0 || pos + len > s.size()) return {b0, 1};
  std::uint32_t code = b0 & (0x7F >> len);
  for (std::size_t i = 1; i < len; ++i) {
    unsigned char b = byte(pos + i);
    if ((b & 0xC0) != 0x80) return {b0, 1};
    code = (code << 6) | (b & 0x3F);
  }
  // Reject overlong forms, surrogates and out-of-range values as Go does.
  bool valid = (len == 3 && code >= 0x800 && (code < 0xD800 || code > 0xDFFF)) ||
               (len == 4 && code >= 0x10000 && code <= 0x10FFFF) || len == 2;
  if (!valid) return {b0, 1};
  return {code, len};
}

void append_rune(std::string& out, std::uint32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

std::optional<std::string> text_fault(std::string_view line) {
  static constexpr char hex[] = "0123456789abcdef";
  for (std::size_t pos = 0; pos < line.size();) {
    auto c = static_cast<unsigned char>(line[pos]);
    if (c == 0) return "NUL byte at column " + std::to_string(pos + 1);
    std::size_t width = c < 0x80 ? 1 : decode_rune(line, pos).width;
    if (c >= 0x80 && width == 1)
      return "invalid UTF-8 at column " + std::to_string(pos + 1) + " (byte 0x" + hex[c >> 4] + hex[c & 0xF] + ")";
    pos += width;
  }
  return std::nullopt;
}

bool is_unicode_space(std::uint32_t c) {
  switch (c) {
    case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F:
    case 0x3000:
      return true;
    default:
      return c >= 0x2000 && c <= 0x200A;
  }
}

namespace {
// Invalid single bytes >= 0x80 decode as their own value; they are never spaces (0x85 and 0xA0
// are spaces only as proper two-byte runes).
bool space_at(std::string_view s, std::size_t pos, std::size_t* width) {
  Rune r = decode_rune(s, pos);
  *width = r.width;
  return (r.code < 0x80 || r.width > 1) && is_unicode_space(r.code);
}
}  // namespace

std::string_view trim_left_space(std::string_view s) {
  std::size_t pos = 0, width = 0;
  while (pos < s.size() && space_at(s, pos, &width)) pos += width;
  return s.substr(pos);
}

std::string_view trim_space(std::string_view s) {
  s = trim_left_space(s);
  // Scan back over whole runes: continuation bytes belong to the rune before them.
  while (!s.empty()) {
    std::size_t start = s.size() - 1;
    while (start > 0 && s.size() - start < 4 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80)
      --start;
    std::size_t width = 0;
    if (!space_at(s, start, &width) || start + width != s.size()) break;
    s.remove_suffix(width);
  }
  return s;
}

namespace {
// Go's unicode.IsPrint for the runes we can classify cheaply: everything printable except the
// controls, the format/separator characters below and unassigned surrogates.
bool is_printable(std::uint32_t c) {
  if (c < 0x20 || (c >= 0x7F && c < 0xA0)) return false;
  if (c == 0xAD) return false;                       // soft hyphen (Cf)
  if (c >= 0x2028 && c <= 0x202E) return false;      // line/paragraph sep, bidi controls
  if (c >= 0x200B && c <= 0x200F) return false;      // zero-width and direction marks
  if (c >= 0x2060 && c <= 0x206F) return false;
  if (c == 0xFEFF || c == 0xFFF9 || c == 0xFFFA || c == 0xFFFB) return false;
  if (c >= 0xE000 && c <= 0xF8FF) return false;      // private use
  if (c == 0xFFFE || c == 0xFFFF) return false;
  if (c >= 0x2000 && c <= 0x200A) return false;      // spaces other than U+0020
  if (c == 0x1680 || c == 0x205F || c == 0x3000) return false;
  return true;
}
}  // namespace

namespace {
// One rune of a Go quoted literal: `quote` and backslash escaped, printable runes as they are,
// the others as Go escapes them.
void append_quoted_rune(std::string& out, std::uint32_t c, char quote) {
  static constexpr char hex[] = "0123456789abcdef";
  if (c == static_cast<std::uint32_t>(quote) || c == '\\') {
    out += '\\';
    out += static_cast<char>(c);
  } else if (is_printable(c)) {
    append_rune(out, c);
  } else {
    switch (c) {
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\v': out += "\\v"; break;
      default:
        if (c < 0x80) {
          out += "\\x";
          out += hex[c >> 4];
          out += hex[c & 0xF];
        } else {
          int digits = c < 0x10000 ? 4 : 8;
          out += digits == 4 ? "\\u" : "\\U";
          for (int i = digits - 1; i >= 0; --i) out += hex[(c >> (4 * i)) & 0xF];
        }
    }
  }
}
}  // namespace

std::string go_quote(std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (std::size_t pos = 0; pos < s.size();) {
    Rune r = decode_rune(s, pos);
    bool invalid = r.code >= 0x80 && r.width == 1;
    pos += r.width;
    if (invalid) {
      out += "\\x";
      out += hex[r.code >> 4];
      out += hex[r.code & 0xF];
      continue;
    }
    append_quoted_rune(out, r.code, '"');
  }
  out += '"';
  return out;
}

std::string go_quote_rune(std::uint32_t c) {
  if (c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) c = 0xFFFD;  // Go's utf8.RuneError
  std::string out = "'";
  append_quoted_rune(out, c, '\'');
  return out + "'";
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace gantry::frontend

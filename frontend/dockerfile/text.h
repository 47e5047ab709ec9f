// Text helpers shared by the Dockerfile parser and the shell-word lexer: UTF-8 decoding, the
// whitespace classes Go's parser uses, and Go's strconv.Quote (the form BuildKit's AST dump uses).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gantry::frontend {

// ASCII whitespace as Go's regexp `[\t\v\f\r ]` (the instruction-level separator).
inline bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r'; }

// Go's unicode.IsSpace restricted to one byte (ASCII plus nothing else).
inline bool is_ascii_space(char c) { return is_blank(c) || c == '\n'; }

// Decodes the UTF-8 sequence at `s[pos]`. Invalid bytes decode as themselves with width 1, so
// no input is ever rejected or rewritten.
struct Rune {
  std::uint32_t code;
  std::size_t width;
};
Rune decode_rune(std::string_view s, std::size_t pos);
void append_rune(std::string& out, std::uint32_t code);

// What keeps `line` from being text a Dockerfile or .dockerignore may hold: the first NUL byte or
// byte that is not UTF-8, with its 1-based column ("NUL byte at column 5", "invalid UTF-8 at
// column 7 (byte 0xff)"). Such bytes cannot pass into a command line (a NUL cuts it) or the
// JSON of the build graph and image config, so they are refused where they are read.
std::optional<std::string> text_fault(std::string_view line);

// Go's unicode.IsSpace.
bool is_unicode_space(std::uint32_t code);

// Unicode-aware trims (Go's strings.TrimSpace / TrimLeftFunc(unicode.IsSpace)).
std::string_view trim_space(std::string_view s);
std::string_view trim_left_space(std::string_view s);

// Go's strconv.Quote.
std::string go_quote(std::string_view s);
// Go's strconv.QuoteRune (what %q prints for an integer).
std::string go_quote_rune(std::uint32_t c);

std::string to_lower(std::string_view s);
bool iequals(std::string_view a, std::string_view b);

}  // namespace gantry::frontend

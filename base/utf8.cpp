#include "base/utf8.h"

namespace gantry {
namespace {

bool starts_character(char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }

}  // namespace

std::size_t utf8_columns(std::string_view text) {
  std::size_t n = 0;
  for (char c : text) n += starts_character(c);
  return n;
}

std::size_t utf8_prefix_bytes(std::string_view text, std::size_t columns) {
  std::size_t seen = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (starts_character(text[i]) && seen++ == columns) return i;
  }
  return text.size();
}

}  // namespace gantry

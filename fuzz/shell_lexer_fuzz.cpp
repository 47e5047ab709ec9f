// Any bytes as a shell word, expanded in both modes (one word, split words) under options taken
// from the first byte; and, split at the first NUL into a value and a pattern, through the shell
// patterns directly, checked against their plain definition while the inputs are small enough
// for it. Errors must be gantry::Error; a crash, another exception or a wrong answer is a
// finding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "base/error.h"
#include "frontend/dockerfile/shell_lexer.h"
#include "frontend/dockerfile/shell_pattern.h"
#include "tests/frontend/shell_pattern_definition.h"

namespace {

using namespace gantry::frontend;

// The definition is exponential in the stars: only small, plain (ASCII, no escapes) cases.
bool definition_applies(std::string_view value, std::string_view pattern) {
  if (value.size() > 24 || pattern.size() > 8) return false;
  for (std::string_view s : {value, pattern})
    for (char c : s)
      if (static_cast<unsigned char>(c) >= 0x80 || c == '\\') return false;
  return true;
}

void check_patterns(std::string_view input) {
  std::size_t nul = input.find('\0');
  if (nul == std::string_view::npos) return;
  std::string value(input.substr(0, nul)), pattern(input.substr(nul + 1));
  bool check = definition_applies(value, pattern);
  try {
    for (bool suffix : {false, true})
      for (bool longest : {false, true}) {
        std::string got = remove_affix(value, pattern, suffix, longest);
        if (check && got != definition::remove_affix(value, pattern, suffix, longest)) std::abort();
      }
    for (bool all : {false, true}) {
      std::string got = replace_pattern(value, pattern, "<>", all);
      if (check && got != definition::replace_pattern(value, pattern, "<>", all)) std::abort();
    }
  } catch (const gantry::Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const unsigned flags = data[0];
  std::string word(reinterpret_cast<const char*>(data) + 1, size - 1);
  ShellLexerOptions options{.escape = (flags & 1) ? '`' : '\\',
                            .raw_quotes = (flags & 2) != 0,
                            .raw_escapes = (flags & 4) != 0,
                            .skip_unset_env = (flags & 8) != 0,
                            .skip_quotes = (flags & 16) != 0};
  ShellEnv env{{"PWD", "/home"}, {"EMPTY", ""}, {"LIST", " a b  c "}, {"LONG", std::string(300, 'x') + "b"},
               {"U", "h\xC3\xA9llo w\xC3\xB6rld"}};
  ShellLexer lexer(options);
  try {
    (void)lexer.process_word(word, env);
  } catch (const gantry::Error&) {
  }
  try {
    (void)lexer.process_words(word, env);
  } catch (const gantry::Error&) {
  }
  check_patterns(word);
  return 0;
}

// libFuzzer target: any bytes must parse or fail with gantry::Error, never crash; the same
// bytes also go through the shell-word lexer (word and words mode) with a small environment.
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/error.h"
#include "frontend/dockerfile/instructions.h"
#include "frontend/dockerfile/parser.h"
#include "frontend/dockerfile/shell_lexer.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace gantry::frontend;
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    Ast ast = parse(text);
    (void)ast.dump();
    for (const Node& n : ast.nodes()) {
      try {
        (void)parse_instruction(ast, n, "Dockerfile");
      } catch (const gantry::Error&) {
      }
    }
  } catch (const gantry::Error&) {
  }
  ShellEnv env{{"PWD", "/home"}, {"EMPTY", ""}, {"LIST", " a b  c "}};
  try {
    (void)ShellLexer().process_word(text, env);
  } catch (const gantry::Error&) {
  }
  try {
    (void)ShellLexer(ShellLexerOptions{.raw_quotes = true, .raw_escapes = true}).process_words(text, env);
  } catch (const gantry::Error&) {
  }
  return 0;
}

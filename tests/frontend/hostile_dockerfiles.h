// Hostile Dockerfile text, made the same way by the frontend's unit tests and the end-to-end
// hostile suite (tests/e2e/hostile_frontend_test.cpp).
#pragma once

#include <string>

namespace gantry::frontend::hostile {

// `${a:-${a:-...x...}}`, `depth` levels deep.
inline std::string nested_defaults(int depth) {
  std::string word;
  for (int i = 0; i < depth; ++i) word += "${a:-";
  word += "x";
  for (int i = 0; i < depth; ++i) word += "}";
  return word;
}

// `stages` stages, each needing the one before: through FROM, or through COPY --from.
inline std::string stage_chain(int stages, bool copy_from) {
  std::string text = "FROM scratch AS s0\n";
  for (int i = 1; i < stages; ++i) {
    std::string before = "s" + std::to_string(i - 1), name = "s" + std::to_string(i);
    text += copy_from ? "FROM scratch AS " + name + "\nCOPY --from=" + before + " / /\n"
                      : "FROM " + before + " AS " + name + "\n";
  }
  return text;
}

}  // namespace gantry::frontend::hostile

// Shell patterns by their plain definition: try every start and end, match by recursion. Slow
// (exponential in the stars), byte-wise (no escapes, ASCII only): the oracle that the linear
// search in frontend/dockerfile/shell_pattern.cpp is checked against, by its unit test and its
// fuzz target.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace gantry::frontend::definition {

// Does `pattern` match all of `text`? (`*` any run, `?` one char.)
inline bool matches(std::string_view pattern, std::string_view text) {
  if (pattern.empty()) return text.empty();
  if (pattern[0] == '*') {
    for (std::size_t k = 0; k <= text.size(); ++k)
      if (matches(pattern.substr(1), text.substr(k))) return true;
    return false;
  }
  return !text.empty() && (pattern[0] == '?' || pattern[0] == text[0]) &&
         matches(pattern.substr(1), text.substr(1));
}

inline std::string remove_affix(const std::string& value, const std::string& pattern, bool suffix,
                                bool longest) {
  std::size_t n = value.size();
  for (std::size_t i = 0; i <= n; ++i) {
    std::size_t len = longest ? n - i : i;
    if (suffix ? matches(pattern, value.substr(n - len)) : matches(pattern, value.substr(0, len)))
      return suffix ? value.substr(0, n - len) : value.substr(len);
  }
  return value;
}

inline std::string replace_pattern(const std::string& value, const std::string& pattern,
                                   const std::string& by, bool all) {
  std::size_t n = value.size();
  std::string out;
  bool replaced = false;
  std::optional<std::size_t> previous_end;
  for (std::size_t i = 0; i <= n;) {
    std::optional<std::size_t> end;
    for (std::size_t j = n + 1; (all || !replaced) && j-- > i;)
      if (matches(pattern, value.substr(i, j - i))) {
        end = j;
        break;
      }
    if (end && !(*end == i && previous_end == i)) {
      out += by;
      replaced = true;
      previous_end = end;
      if (*end > i) {
        i = *end;
        continue;
      }
    }
    if (i < n) out += value[i];
    ++i;
  }
  return out;
}

}  // namespace gantry::frontend::definition

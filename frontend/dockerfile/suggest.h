// "did you mean ...?" suggestions for misspelt instructions and flags.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace gantry::frontend {

// The number of single-character insertions, deletions and substitutions that turn a into b.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word` (case-insensitive edit distance), if it is close enough to be
// a likely typo; "" otherwise.
std::string closest_match(std::string_view word, std::span<const std::string_view> candidates);

// " (did you mean X?)" or "".
std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates);

}  // namespace gantry::frontend

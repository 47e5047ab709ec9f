#include "frontend/dockerfile/suggest.h"

#include <algorithm>
#include <vector>

#include "frontend/dockerfile/text.h"

namespace gantry::frontend {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string closest_match(std::string_view word, std::span<const std::string_view> candidates) {
  std::string lower = to_lower(word);
  std::string best;
  // Allow about one edit per three characters, and at least two (CPOY is two edits from COPY).
  std::size_t best_distance = std::max<std::size_t>(2, lower.size() / 3) + 1;
  for (std::string_view candidate : candidates) {
    std::size_t d = edit_distance(lower, to_lower(candidate));
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return best;
}

std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates) {
  std::string match = closest_match(word, candidates);
  return match.empty() ? "" : " (did you mean " + match + "?)";
}

}  // namespace gantry::frontend

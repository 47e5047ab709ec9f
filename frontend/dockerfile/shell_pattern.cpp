#include "frontend/dockerfile/shell_pattern.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "base/error.h"
#include "frontend/dockerfile/text.h"

namespace gantry::frontend {

namespace {

struct PatternToken {
  enum Kind { Literal, AnyString, AnyRune } kind;
  std::uint32_t code = 0;
};

std::vector<PatternToken> compile_pattern(std::string_view pattern) {
  std::vector<PatternToken> tokens;
  for (std::size_t pos = 0; pos < pattern.size();) {
    Rune r = decode_rune(pattern, pos);
    pos += r.width;
    if (r.code == '*') {
      tokens.push_back({PatternToken::AnyString});
    } else if (r.code == '?') {
      tokens.push_back({PatternToken::AnyRune});
    } else if (r.code == '\\') {
      // `\}` and `\/` only protect the ${} syntax; `\*`, `\?`, `\\` are literal pattern chars.
      if (pos < pattern.size() && (pattern[pos] == '}' || pattern[pos] == '/')) continue;
      if (pos >= pattern.size() || (pattern[pos] != '*' && pattern[pos] != '?' && pattern[pos] != '\\'))
        throw Error("invalid pattern (" + std::string(pattern) + ") in substitution: invalid escape '\\" +
                    std::string(pattern.substr(pos, pos < pattern.size() ? 1 : 0)) + "'");
      tokens.push_back({PatternToken::Literal, static_cast<unsigned char>(pattern[pos++])});
    } else {
      tokens.push_back({PatternToken::Literal, r.code});
    }
  }
  return tokens;
}

std::vector<std::uint32_t> runes_of(std::string_view s, std::vector<std::size_t>* offsets) {
  std::vector<std::uint32_t> runes;
  for (std::size_t pos = 0; pos < s.size();) {
    Rune r = decode_rune(s, pos);
    offsets->push_back(pos);
    runes.push_back(r.code);
    pos += r.width;
  }
  offsets->push_back(s.size());
  return runes;
}

// Finds where matches of one pattern end in one sequence of runes. The pattern is read as its
// star-free segments A0 * A1 * ... * Ak. A match from `begin` has A0 at `begin`, each of A1..Ak-1
// at its leftmost place after the one before (leftmost leaves the most room for the rest), and
// Ak anywhere after them, where the match ends. Each middle segment remembers where it was last
// found; callers ask with a non-decreasing `begin`, so those places never move back and every
// segment reads the runes at most once over all calls, instead of once per start and end tried.
class PatternSearch {
 public:
  PatternSearch(const std::vector<PatternToken>& tokens, std::vector<std::uint32_t> runes)
      : tokens_(tokens), runes_(std::move(runes)) {
    std::size_t first = 0;
    for (std::size_t t = 0; t <= tokens_.size(); ++t) {
      if (t == tokens_.size() || tokens_[t].kind == PatternToken::AnyString) {
        segments_.push_back({first, t - first});
        first = t + 1;
      }
    }
  }

  // The end of the longest match starting at `begin`, if any.
  std::optional<std::size_t> longest_end(std::size_t begin) {
    if (segments_.size() == 1) return anchored_end(begin);
    std::optional<std::size_t> rest = middle_end(begin);
    if (!rest) return std::nullopt;
    // Any place of Ak at or after the middle segments ends a match: the last one ends the longest.
    if (!last_start_known_) {
      const Segment& last = segments_.back();
      for (std::size_t q = runes_.size() + 1; q-- > 0 && !last_start_;)
        if (matches_at(last, q)) last_start_ = q;
      last_start_known_ = true;
    }
    if (!last_start_ || *last_start_ < *rest) return std::nullopt;
    return *last_start_ + segments_.back().size;
  }

  // The end of the shortest match starting at `begin`, if any.
  std::optional<std::size_t> shortest_end(std::size_t begin) {
    if (segments_.size() == 1) return anchored_end(begin);
    std::optional<std::size_t> rest = middle_end(begin);
    if (!rest) return std::nullopt;
    Segment& last = segments_.back();
    std::optional<std::size_t> q = next_match(last, *rest);
    if (!q) return std::nullopt;
    return *q + last.size;
  }

 private:
  struct Segment {
    std::size_t first = 0;  // in tokens_
    std::size_t size = 0;
    // Once searched: the leftmost place at or after the last `from` searched (nullopt: none).
    bool searched = false;
    std::optional<std::size_t> found;
  };

  bool matches_at(const Segment& s, std::size_t q) const {
    if (q > runes_.size() || s.size > runes_.size() - q) return false;
    for (std::size_t t = 0; t < s.size; ++t) {
      const PatternToken& token = tokens_[s.first + t];
      if (token.kind != PatternToken::AnyRune && token.code != runes_[q + t]) return false;
    }
    return true;
  }

  // A pattern without a star matches only its own length.
  std::optional<std::size_t> anchored_end(std::size_t begin) const {
    if (!matches_at(segments_[0], begin)) return std::nullopt;
    return begin + segments_[0].size;
  }

  // The leftmost place of `s` at or after `from`; `from` never decreases between calls.
  std::optional<std::size_t> next_match(Segment& s, std::size_t from) {
    if (s.searched && (!s.found || from <= *s.found)) return s.found;
    s.searched = true;
    s.found.reset();
    for (std::size_t q = from; q + s.size <= runes_.size(); ++q) {
      if (matches_at(s, q)) {
        s.found = q;
        break;
      }
    }
    return s.found;
  }

  // Where A0 and the middle segments, placed leftmost from `begin`, end.
  std::optional<std::size_t> middle_end(std::size_t begin) {
    if (!matches_at(segments_[0], begin)) return std::nullopt;
    std::size_t end = begin + segments_[0].size;
    for (std::size_t i = 1; i + 1 < segments_.size(); ++i) {
      std::optional<std::size_t> q = next_match(segments_[i], end);
      if (!q) return std::nullopt;
      end = *q + segments_[i].size;
    }
    return end;
  }

  const std::vector<PatternToken>& tokens_;
  std::vector<std::uint32_t> runes_;
  std::vector<Segment> segments_;
  bool last_start_known_ = false;
  std::optional<std::size_t> last_start_;
};

}  // namespace

std::string remove_affix(std::string_view value, std::string_view pattern, bool suffix, bool longest) {
  std::vector<PatternToken> tokens = compile_pattern(pattern);
  std::vector<std::size_t> offsets;
  std::vector<std::uint32_t> runes = runes_of(value, &offsets);
  std::size_t n = runes.size();
  // A suffix of the value is a prefix of the reversed value, matched by the reversed pattern.
  if (suffix) {
    std::reverse(tokens.begin(), tokens.end());
    std::reverse(runes.begin(), runes.end());
  }
  PatternSearch search(tokens, std::move(runes));
  std::optional<std::size_t> len = longest ? search.longest_end(0) : search.shortest_end(0);
  if (!len) return std::string(value);
  return std::string(suffix ? value.substr(0, offsets[n - *len]) : value.substr(offsets[*len]));
}

std::string replace_pattern(std::string_view value, std::string_view pattern,
                            std::string_view replacement, bool all) {
  std::vector<PatternToken> tokens = compile_pattern(pattern);
  std::vector<std::size_t> offsets;
  std::vector<std::uint32_t> runes = runes_of(value, &offsets);
  std::size_t n = runes.size();
  PatternSearch search(tokens, std::move(runes));
  std::string out;
  bool replaced = false;
  std::optional<std::size_t> previous_end;
  for (std::size_t i = 0; i <= n;) {
    std::optional<std::size_t> match_end;
    if (all || !replaced) match_end = search.longest_end(i);
    // An empty match right after a match is not a new match (as Go's regexp.ReplaceAll).
    if (match_end && !(*match_end == i && previous_end == i)) {
      out += replacement;
      replaced = true;
      previous_end = *match_end;
      if (*match_end > i) {
        i = *match_end;
        continue;
      }
    }
    if (i < n) out += value.substr(offsets[i], offsets[i + 1] - offsets[i]);
    ++i;
  }
  return out;
}

}  // namespace gantry::frontend

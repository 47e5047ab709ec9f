#include "frontend/dockerfile/dockerignore.h"

#include <vector>

#include "base/error.h"
#include "frontend/dockerfile/text.h"

namespace gantry::frontend {

std::string clean_path(std::string_view path) {
  if (path.empty()) return ".";
  bool rooted = path[0] == '/';
  std::vector<std::string_view> parts;
  std::size_t pos = 0;
  while (pos <= path.size()) {
    std::size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view part = path.substr(pos, slash - pos);
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..")
        parts.pop_back();
      else if (!rooted)
        parts.push_back(part);
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    pos = slash + 1;
  }
  std::string out = rooted ? "/" : "";
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i) out += '/';
    out += parts[i];
  }
  return out.empty() ? "." : out;
}

constexpr std::size_t kMaxPatternLength = 4096;  // PATH_MAX

std::vector<std::string> read_dockerignore(std::string_view content, std::string_view file_name) {
  std::vector<std::string> patterns;
  std::size_t pos = 0;
  for (int line_number = 1; pos < content.size(); ++line_number) {
    std::size_t nl = content.find('\n', pos);
    if (nl == std::string_view::npos) nl = content.size();
    std::string_view line = content.substr(pos, nl - pos);
    pos = nl + 1;
    if (patterns.empty() && line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);
    if (!line.empty() && line[0] == '#') continue;
    if (auto fault = text_fault(line))
      throw Error(std::string(file_name) + ":" + std::to_string(line_number) + ": " + *fault +
                  ": a .dockerignore must be UTF-8 text");
    line = trim_space(line);
    if (line.empty()) continue;
    bool reinclude = line[0] == '!';
    if (reinclude) line = trim_space(line.substr(1));
    if (line.empty()) continue;
    std::string pattern = clean_path(line);
    if (pattern.size() > 1 && pattern[0] == '/') pattern.erase(0, 1);
    // The matcher's work and stack grow with the pattern, and no path is longer than PATH_MAX:
    // a longer pattern is a hostile one (500,000 `*` overflowed the stack).
    if (pattern.size() > kMaxPatternLength)
      throw Error(std::string(file_name) + ":" + std::to_string(line_number) + ": a pattern of " +
                  std::to_string(pattern.size()) + " bytes, longer than any path (" +
                  std::to_string(kMaxPatternLength) + " bytes)");
    patterns.push_back(reinclude ? "!" + pattern : pattern);
  }
  return patterns;
}

namespace {

// Matches `glob` against all of `text`. `*` and `?` do not cross '/'; `**` does, and `**/`
// also matches nothing (zero directories).
//
// Each state is worked out once (memoised), and a wildcard advances one character per state
// rather than trying every end itself, so the cost is |glob| x |text| whatever the wildcards:
// a line of a thousand `*` took seconds per path when each star tried every end.
bool glob_match(std::string_view glob, std::string_view text) {
  enum Kind : std::size_t { kAt, kStarFrom, kAnyFrom };
  // kAt: glob[g..] matches text[t..]. kStarFrom: it does from some k >= t that crosses no '/'
  // before k (what `*` leaves to glob[g..]). kAnyFrom: from any k >= t (what `**` leaves).
  const std::size_t width = text.size() + 1;
  const std::size_t plane = (glob.size() + 1) * width;
  // memo: 0 unknown, 1 false, 2 true; patterns and paths are short.
  std::vector<unsigned char> memo(3 * plane, 0);
  auto slot_of = [&](Kind kind, std::size_t g, std::size_t t) -> unsigned char& {
    return memo[kind * plane + g * width + t];
  };
  auto match = [&](auto& self, Kind kind, std::size_t g, std::size_t t) -> bool {
    if (kind != kAt) {
      // A loop, not a recursion per character (the stack stays |glob| deep): the first k that
      // matches, is known, or ends the run decides, and so for every state from t to it.
      std::size_t k = t;
      bool result = false;
      for (;; ++k) {
        if (const unsigned char known = slot_of(kind, g, k)) {
          result = known == 2;
          break;
        }
        if (self(self, kAt, g, k)) {
          result = true;
          break;
        }
        if (k == text.size() || (kind == kStarFrom && text[k] == '/')) break;
      }
      for (std::size_t j = t; j <= k; ++j) slot_of(kind, g, j) = result ? 2 : 1;
      return result;
    }
    unsigned char& slot = slot_of(kAt, g, t);
    if (slot) return slot == 2;
    bool result = false;
    if (g == glob.size()) {
      result = t == text.size();
    } else if (glob.substr(g, 2) == "**") {
      std::size_t after = g + 2;
      // `**/` matching zero directories, or `**` taking any run of characters
      result = (after < glob.size() && glob[after] == '/' && self(self, kAt, after + 1, t)) ||
               self(self, kAnyFrom, after, t);
    } else if (glob[g] == '*') {
      result = self(self, kStarFrom, g + 1, t);
    } else if (t < text.size()) {
      if (glob[g] == '?') {
        result = text[t] != '/' && self(self, kAt, g + 1, t + 1);
      } else if (glob[g] == '[') {
        std::size_t close = glob.find(']', g + 2);
        if (close == std::string_view::npos) {
          result = false;  // an unterminated class matches nothing (filepath.ErrBadPattern)
        } else {
          std::string_view set = glob.substr(g + 1, close - g - 1);
          bool negate = !set.empty() && (set[0] == '^' || set[0] == '!');
          if (negate) set.remove_prefix(1);
          bool in = false;
          for (std::size_t i = 0; i < set.size(); ++i) {
            char lo = set[i] == '\\' && i + 1 < set.size() ? set[++i] : set[i];
            char hi = lo;
            if (i + 2 < set.size() && set[i + 1] == '-') {
              hi = set[i + 2];
              i += 2;
            }
            if (text[t] >= lo && text[t] <= hi) in = true;
          }
          result = text[t] != '/' && in != negate && self(self, kAt, close + 1, t + 1);
        }
      } else if (glob[g] == '\\' && g + 1 < glob.size()) {
        result = text[t] == glob[g + 1] && self(self, kAt, g + 2, t + 1);
      } else {
        result = text[t] == glob[g] && self(self, kAt, g + 1, t + 1);
      }
    }
    slot = result ? 2 : 1;
    return result;
  };
  return match(match, kAt, 0, 0);
}

}  // namespace

DockerignoreMatcher::DockerignoreMatcher(const std::vector<std::string>& patterns) {
  for (const std::string& p : patterns) {
    bool reinclude = !p.empty() && p[0] == '!';
    patterns_.push_back({reinclude ? p.substr(1) : p, reinclude});
    if (!reinclude) continue;
    std::string_view prefix = patterns_.back().glob;
    for (std::string_view tail : {"/**", "/*"})
      if (prefix.ends_with(tail)) {
        prefix.remove_suffix(tail.size());
        break;
      }
    if (prefix.find_first_of("*?[]^\\") != std::string_view::npos) reincludes_have_wildcards_ = true;
    reinclude_prefixes_.push_back(std::string(prefix) + "/");
  }
}

bool DockerignoreMatcher::may_reinclude_below(std::string_view dir) const {
  if (reincludes_have_wildcards_) return true;
  const std::string below = std::string(dir) + "/";
  for (const std::string& prefix : reinclude_prefixes_)
    if (prefix.starts_with(below)) return true;
  return false;
}

bool DockerignoreMatcher::excluded(std::string_view path) const {
  std::string file = clean_path(path);
  if (file.starts_with("/")) file.erase(0, 1);
  bool excluded = false;
  for (const Pattern& p : patterns_) {
    if (p.reinclude != excluded) continue;  // cannot change the decision
    // A pattern matches the path itself or any of its parent directories.
    bool matched = glob_match(p.glob, file);
    for (std::size_t slash = file.find('/'); !matched && slash != std::string::npos;
         slash = file.find('/', slash + 1))
      matched = glob_match(p.glob, std::string_view(file).substr(0, slash));
    if (matched) excluded = !p.reinclude;
  }
  return excluded;
}

}  // namespace gantry::frontend

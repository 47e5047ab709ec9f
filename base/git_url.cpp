#include "base/git_url.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <regex>

#include "base/error.h"

namespace gantry {

namespace {

bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// The scheme of "scheme://...", lowercased; "" when `text` does not start with one.
std::string scheme_of(std::string_view text) {
  const std::size_t sep = text.find("://");
  if (sep == std::string_view::npos || sep == 0) return "";
  const std::string_view scheme = text.substr(0, sep);
  if (!std::all_of(scheme.begin(), scheme.end(), is_alnum)) return "";
  return lower(std::string(scheme));
}

// "scheme:/..." with a URL scheme as Go's url.Parse reads one: then the text is a URL with a
// path, never an scp-like address.
bool has_url_scheme_and_path(std::string_view text) {
  if (text.empty() || !std::isalpha(static_cast<unsigned char>(text[0]))) return false;
  std::size_t i = 1;
  while (i < text.size() && (is_alnum(text[i]) || text[i] == '+' || text[i] == '-' || text[i] == '.')) ++i;
  return i + 1 < text.size() && text[i] == ':' && text[i + 1] == '/';
}

std::string percent_decoded(std::string_view s, std::string_view url) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%') {
      if (i + 2 >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[i + 1])) ||
          !std::isxdigit(static_cast<unsigned char>(s[i + 2])))
        throw UsageError("Git URL `" + std::string(url) + "`: bad %-escape in its query");
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Go's strconv.ParseBool, which BuildKit reads keep-git-dir= and submodules= with.
std::optional<bool> parse_bool(const std::string& v) {
  if (v == "1" || v == "t" || v == "T" || v == "true" || v == "TRUE" || v == "True") return true;
  if (v == "0" || v == "f" || v == "F" || v == "false" || v == "FALSE" || v == "False") return false;
  return std::nullopt;
}

// The `#ref:subdir` fragment.
void apply_fragment(GitUrl& url, std::string_view fragment, std::string_view text) {
  if (fragment.starts_with("#"))
    throw UsageError("Git URL `" + without_credentials(text) +
                     "`: the `##key=value` fragment is not supported; use `#ref:subdir` or `?ref=...&subdir=...`");
  const std::size_t colon = fragment.find(':');
  url.ref = std::string(fragment.substr(0, colon));
  if (colon != std::string_view::npos) url.subdir = std::string(fragment.substr(colon + 1));
}

// The query form, as Dockerfile 1.18 reads it: every key once, known keys only, and no two
// ways of naming the ref that disagree.
void apply_query(GitUrl& url, std::string_view query, std::string_view text) {
  const std::string shown = without_credentials(text);
  auto fail = [&](const std::string& what) { throw UsageError("Git URL `" + shown + "`: " + what); };
  std::map<std::string, std::optional<std::string>> values;
  for (std::size_t start = 0; start <= query.size();) {
    std::size_t amp = query.find('&', start);
    if (amp == std::string_view::npos) amp = query.size();
    const std::string_view field = query.substr(start, amp - start);
    start = amp + 1;
    if (field.empty()) continue;
    const std::size_t eq = field.find('=');
    const std::string key = percent_decoded(field.substr(0, eq), shown);
    std::optional<std::string> value;
    if (eq != std::string_view::npos) value = percent_decoded(field.substr(eq + 1), shown);
    if (values.count(key)) fail("query `" + key + "` is given more than once");
    values[key] = value;
  }
  std::string tag, branch;
  auto set_ref = [&](const std::string& ref) {
    if (!url.ref.empty() && url.ref != ref) fail("ref conflicts: `" + url.ref + "` vs `" + ref + "`");
    url.ref = ref;
  };
  for (const auto& [key, value] : values) {
    const bool is_flag = key == "keep-git-dir" || key == "submodules";
    if ((!value || value->empty()) && !is_flag) fail("query `" + key + "` has no value");
    if (key == "ref") {
      set_ref(*value);
    } else if (key == "tag") {
      tag = *value;
    } else if (key == "branch") {
      branch = *value;
    } else if (key == "subdir") {
      if (!url.subdir.empty() && url.subdir != *value)
        fail("subdir conflicts: `" + url.subdir + "` vs `" + *value + "`");
      url.subdir = *value;
    } else if (key == "checksum" || key == "commit") {
      url.checksum = *value;
    } else if (is_flag) {
      const auto flag = !value || value->empty() ? std::optional<bool>(true) : parse_bool(*value);
      if (!flag) fail("invalid " + key + " value `" + *value + "`");
      (key == "keep-git-dir" ? url.keep_git_dir : url.submodules) = flag;
    } else {
      fail("unexpected query `" + key + "` (known: ref, branch, tag, checksum, commit, subdir, keep-git-dir, "
           "submodules)");
    }
  }
  if (!tag.empty() && !branch.empty()) fail("branch conflicts with tag");
  if (!tag.empty()) set_ref(tag.starts_with("refs/tags/") ? tag : "refs/tags/" + tag);
  if (!branch.empty()) set_ref(branch.starts_with("refs/heads/") ? branch : "refs/heads/" + branch);
  if (!url.checksum.empty() && url.ref.empty()) url.ref = url.checksum;
}

// Splits "base?query#fragment" and applies both parts to `url`; returns base.
std::string_view apply_suffixes(GitUrl& url, std::string_view rest, std::string_view text) {
  std::optional<std::string_view> fragment, query;
  if (const std::size_t hash = rest.find('#'); hash != std::string_view::npos) {
    fragment = rest.substr(hash + 1);
    rest = rest.substr(0, hash);
  }
  if (const std::size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  if (fragment) apply_fragment(url, *fragment, text);
  if (query) apply_query(url, *query, text);
  return rest;
}

}  // namespace

std::optional<GitUrl> parse_git_url(std::string_view text, GitUrlUse use) {
  if (text.starts_with("./") || text.starts_with("../")) return std::nullopt;
  GitUrl url;
  std::string owned;
  if (text.starts_with("github.com/")) {
    // Deprecated by BuildKit, which still takes it for a build context (never for ADD).
    if (use == GitUrlUse::Add) return std::nullopt;
    owned = "https://" + std::string(text);
    text = owned;
  }
  if (const std::string scheme = scheme_of(text); !scheme.empty()) {
    if (scheme != "http" && scheme != "https" && scheme != "ssh" && scheme != "git") return std::nullopt;
    std::string_view rest = text.substr(scheme.size() + 3);
    url.http = scheme == "http" || scheme == "https";
    // A plain http(s) file is told apart before the query and fragment are read as Git's: a
    // presigned download URL's query is the server's, not ours to refuse.
    if (url.http && owned.empty()) {
      const std::string_view before_query = rest.substr(0, rest.find_first_of("?#"));
      const std::size_t slash = before_query.find('/');
      if (slash == std::string_view::npos || !before_query.substr(slash).ends_with(".git")) return std::nullopt;
    }
    rest = apply_suffixes(url, rest, text);
    const std::size_t slash = rest.find('/');
    const std::string_view authority = rest.substr(0, slash);
    const std::size_t at = authority.rfind('@');
    url.host = std::string(at == std::string_view::npos ? authority : authority.substr(at + 1));
    if (url.host.empty()) throw UsageError("Git URL `" + without_credentials(text) + "`: no host");
    url.remote = scheme + "://" + std::string(rest);
    return url;
  }
  if (has_url_scheme_and_path(text)) return std::nullopt;
  // As BuildKit's scp-like pattern: [user@]host:path, the user and host of a few characters.
  static const std::regex scp(R"(^(?:([a-zA-Z0-9_-]+)@)?([a-zA-Z0-9.-]+):(.*)$)");
  std::cmatch m;
  const std::string_view before_fragment = text.substr(0, text.find('#'));
  if (!std::regex_match(before_fragment.begin(), before_fragment.end(), m, scp)) return std::nullopt;
  const std::string_view rest = apply_suffixes(url, text, text);
  url.host = m[2].str();
  url.remote = std::string(rest);
  return url;
}

std::string without_credentials(std::string_view url) {
  const std::size_t sep = url.find("://");
  if (sep == std::string_view::npos) return std::string(url);
  const std::size_t start = sep + 3;
  const std::size_t end = url.find_first_of("/?#", start);
  const std::string_view authority = url.substr(start, end == std::string_view::npos ? end : end - start);
  const std::size_t at = authority.rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  const std::string_view userinfo = authority.substr(0, at);
  const std::size_t colon = userinfo.find(':');
  if (colon == std::string_view::npos) return std::string(url);
  return std::string(url.substr(0, start)) + std::string(userinfo.substr(0, colon)) + ":xxxxx" +
         std::string(url.substr(start + at));
}

std::string GitUrl::shown() const {
  std::string out = without_credentials(remote);
  if (!ref.empty() || !subdir.empty()) out += "#" + ref + (subdir.empty() ? "" : ":" + subdir);
  return out;
}

}  // namespace gantry

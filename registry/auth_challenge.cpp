#include "registry/auth_challenge.h"

#include <algorithm>
#include <cctype>

namespace gantry::registry {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

void skip_spaces(std::string_view& s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == ',')) s.remove_prefix(1);
}

// A token or a quoted string (with backslash escapes), consumed from the front of `s`.
std::string take_value(std::string_view& s) {
  std::string value;
  if (!s.empty() && s.front() == '"') {
    s.remove_prefix(1);
    while (!s.empty() && s.front() != '"') {
      if (s.front() == '\\' && s.size() > 1) s.remove_prefix(1);
      value += s.front();
      s.remove_prefix(1);
    }
    if (!s.empty()) s.remove_prefix(1);
    return value;
  }
  while (!s.empty() && s.front() != ',' && s.front() != ' ') {
    value += s.front();
    s.remove_prefix(1);
  }
  return value;
}

}  // namespace

std::string AuthChallenge::param(const std::string& name) const {
  auto it = params.find(name);
  return it == params.end() ? std::string() : it->second;
}

std::optional<AuthChallenge> parse_auth_challenge(std::string_view header) {
  std::string_view s = header;
  skip_spaces(s);
  auto end = s.find(' ');
  const std::string scheme = lower(s.substr(0, end));
  AuthChallenge challenge;
  if (scheme == "bearer") challenge.scheme = AuthChallenge::Scheme::Bearer;
  else if (scheme == "basic") challenge.scheme = AuthChallenge::Scheme::Basic;
  else return std::nullopt;
  s = end == std::string_view::npos ? std::string_view() : s.substr(end);
  for (skip_spaces(s); !s.empty(); skip_spaces(s)) {
    auto eq = s.find('=');
    if (eq == std::string_view::npos) break;  // a second challenge's scheme: only the first counts
    std::string name = lower(s.substr(0, eq));
    if (name.find(' ') != std::string::npos) break;
    s.remove_prefix(eq + 1);
    challenge.params[name] = take_value(s);
  }
  return challenge;
}

}  // namespace gantry::registry

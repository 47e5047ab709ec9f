#include "base/image_ref.h"

#include <algorithm>
#include <cctype>

#include "base/error.h"

namespace gantry {

namespace {

constexpr std::string_view kDefaultRegistry = "docker.io";
constexpr std::size_t kMaxNameLength = 255;  // registry and path, as docker limits a name

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool is_word(char c) { return is_alnum(c) || c == '_'; }

// Docker's names for its own registry: the legacy index host and the endpoint it serves from
// are the same registry as docker.io, and keep the same familiar name.
bool is_docker_hub_alias(std::string_view host) {
  return host == "index.docker.io" || host == "registry-1.docker.io";
}

// The first path component is a registry when it looks like a host: it has a '.' or a ':',
// is "localhost", or has an uppercase letter, which no repository may have (docker's rule).
bool looks_like_registry(std::string_view component) {
  return component.find_first_of(".:") != std::string_view::npos || component == "localhost" ||
         std::any_of(component.begin(), component.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

// host[:port], each dot-separated label alphanumeric with inner '-'; or [ipv6][:port].
bool valid_registry(std::string_view registry) {
  std::string_view host = registry;
  if (host.starts_with("[")) {
    auto close = host.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    if (!std::all_of(host.begin() + 1, host.begin() + close,
                     [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) || c == ':'; }))
      return false;
    host = host.substr(close + 1);
    if (host.empty()) return true;
    if (!host.starts_with(":")) return false;
    host = host.substr(1);
    return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) { return c >= '0' && c <= '9'; });
  }
  if (auto colon = host.find(':'); colon != std::string_view::npos) {
    std::string_view port = host.substr(colon + 1);
    if (port.empty() || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return false;
    host = host.substr(0, colon);
  }
  for (std::size_t start = 0; start <= host.size();) {
    std::size_t dot = std::min(host.find('.', start), host.size());
    std::string_view label = host.substr(start, dot - start);
    if (label.empty() || !is_alnum(label.front()) || !is_alnum(label.back())) return false;
    if (!std::all_of(label.begin(), label.end(), [](char c) { return is_alnum(c) || c == '-'; })) return false;
    start = dot + 1;
  }
  return true;
}

// One path component: lowercase alphanumerics, separated by '.', '_', '__' or a run of '-'.
bool valid_component(std::string_view component) {
  if (component.empty() || !is_lower_alnum(component.front()) || !is_lower_alnum(component.back())) return false;
  for (std::size_t i = 0; i < component.size();) {
    if (is_lower_alnum(component[i])) {
      ++i;
      continue;
    }
    std::size_t run = i;
    while (run < component.size() && !is_lower_alnum(component[run])) ++run;
    std::string_view separator = component.substr(i, run - i);
    const bool dashes = std::all_of(separator.begin(), separator.end(), [](char c) { return c == '-'; });
    if (separator != "." && separator != "_" && separator != "__" && !dashes) return false;
    i = run;
  }
  return true;
}

bool valid_path(std::string_view path) {
  for (std::size_t start = 0; start <= path.size();) {
    std::size_t slash = std::min(path.find('/', start), path.size());
    if (!valid_component(path.substr(start, slash - start))) return false;
    start = slash + 1;
  }
  return true;
}

bool valid_tag(std::string_view tag) {
  if (tag.empty() || tag.size() > 128 || !is_word(tag.front())) return false;
  return std::all_of(tag.begin(), tag.end(), [](char c) { return is_word(c) || c == '.' || c == '-'; });
}

bool is_image_id(std::string_view text) {
  return text.size() == 64 &&
         std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace

ImageRef ImageRef::parse(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return UsageError("invalid reference format `" + std::string(text) + "`: " + why);
  };
  if (text.empty()) throw bad("empty name");
  if (is_image_id(text)) throw bad("a repository name cannot be 64 hexadecimal digits (an image id)");
  ImageRef ref;
  std::string_view rest = text;
  if (auto at = rest.find('@'); at != std::string_view::npos) {
    try {
      ref.digest = Digest::parse(rest.substr(at + 1));
    } catch (const Error&) {
      throw bad("bad digest `" + std::string(rest.substr(at + 1)) + "` (want sha256: and 64 lowercase hex digits)");
    }
    rest = rest.substr(0, at);
  }
  // A tag is after the last ':' that comes after the last '/'.
  auto slash = rest.rfind('/');
  auto colon = rest.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    ref.tag = std::string(rest.substr(colon + 1));
    if (!valid_tag(ref.tag))
      throw bad("bad tag `" + ref.tag + "` (want letters, digits, '_', '.' or '-', not starting with '.' or '-', "
                "at most 128)");
    rest = rest.substr(0, colon);
  }
  auto first_slash = rest.find('/');
  if (first_slash != std::string_view::npos && looks_like_registry(rest.substr(0, first_slash))) {
    ref.registry = std::string(rest.substr(0, first_slash));
    if (!valid_registry(ref.registry)) throw bad("bad registry host `" + ref.registry + "`");
    if (is_docker_hub_alias(ref.registry)) ref.registry = std::string(kDefaultRegistry);
    rest = rest.substr(first_slash + 1);
  } else {
    ref.registry = std::string(kDefaultRegistry);
  }
  ref.path = std::string(rest);
  if (std::any_of(ref.path.begin(), ref.path.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
    throw bad("repository name must be lowercase");
  if (!valid_path(ref.path))
    throw bad("bad repository name `" + ref.path +
              "` (path components of lowercase letters and digits, separated by '.', '_', '__' or '-')");
  if (ref.registry == kDefaultRegistry && ref.path.find('/') == std::string::npos)
    ref.path = "library/" + ref.path;
  if (ref.repository().size() > kMaxNameLength)
    throw bad("repository name longer than " + std::to_string(kMaxNameLength) + " characters");
  if (ref.tag.empty() && !ref.digest) ref.tag = "latest";
  return ref;
}

std::string ImageRef::familiar() const {
  std::string name;
  if (registry == kDefaultRegistry) {
    name = path.starts_with("library/") && path.find('/', 8) == std::string::npos ? path.substr(8) : path;
  } else {
    name = registry + "/" + path;
  }
  if (!tag.empty()) name += ":" + tag;
  if (digest) name += "@" + digest->str();
  return name;
}

std::string ImageRef::canonical() const {
  std::string name = repository();
  if (!tag.empty()) name += ":" + tag;
  if (digest) name += "@" + digest->str();
  return name;
}

}  // namespace gantry

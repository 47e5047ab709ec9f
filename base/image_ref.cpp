#include "base/image_ref.h"

#include <algorithm>
#include <cctype>

#include "base/error.h"

namespace gantry {

namespace {

constexpr std::string_view kDefaultRegistry = "docker.io";

// The first path component is a registry when it looks like a host: it has a '.' or a ':',
// or is "localhost" (docker's rule).
bool looks_like_registry(std::string_view component) {
  return component.find('.') != std::string_view::npos ||
         component.find(':') != std::string_view::npos || component == "localhost";
}

bool valid_path(std::string_view path) {
  if (path.empty() || path.front() == '/' || path.back() == '/') return false;
  return std::all_of(path.begin(), path.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
           c == '.' || c == '_' || c == '-' || c == '/';
  });
}

bool valid_tag(std::string_view tag) {
  if (tag.empty() || tag.size() > 128 || tag.front() == '.' || tag.front() == '-') return false;
  return std::all_of(tag.begin(), tag.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

}  // namespace

ImageRef ImageRef::parse(std::string_view text) {
  auto bad = [&](const char* why) {
    return UsageError("invalid reference format `" + std::string(text) + "`: " + why);
  };
  ImageRef ref;
  std::string_view rest = text;
  if (auto at = rest.find('@'); at != std::string_view::npos) {
    try {
      ref.digest = Digest::parse(rest.substr(at + 1));
    } catch (const Error&) {
      throw bad("bad digest");
    }
    rest = rest.substr(0, at);
  }
  // A tag is after the last ':' that comes after the last '/'.
  auto slash = rest.rfind('/');
  auto colon = rest.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    ref.tag = std::string(rest.substr(colon + 1));
    if (!valid_tag(ref.tag)) throw bad("bad tag");
    rest = rest.substr(0, colon);
  }
  auto first_slash = rest.find('/');
  if (first_slash != std::string_view::npos && looks_like_registry(rest.substr(0, first_slash))) {
    ref.registry = std::string(rest.substr(0, first_slash));
    rest = rest.substr(first_slash + 1);
  } else {
    ref.registry = std::string(kDefaultRegistry);
  }
  ref.path = std::string(rest);
  if (ref.registry == kDefaultRegistry && ref.path.find('/') == std::string::npos)
    ref.path = "library/" + ref.path;
  if (!valid_path(ref.path)) throw bad("repository names must be lowercase");
  if (ref.tag.empty() && !ref.digest) ref.tag = "latest";
  return ref;
}

std::string ImageRef::familiar() const {
  std::string name;
  if (registry == kDefaultRegistry) {
    name = path.starts_with("library/") ? path.substr(8) : path;
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

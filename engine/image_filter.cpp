#include "engine/image_filter.h"

#include <fnmatch.h>

#include <algorithm>

#include "base/error.h"

namespace gantry::engine {

namespace {

constexpr const char* kSupported = "supported: dangling=true|false, reference=PATTERN, label=KEY[=VALUE]";

bool glob_matches(const std::string& pattern, const std::string& text) {
  return ::fnmatch(pattern.c_str(), text.c_str(), FNM_PATHNAME) == 0;
}

// "app:1" -> "app"; "127.0.0.1:5000/app:1" -> "127.0.0.1:5000/app".
std::string repository_of(const std::string& familiar) {
  auto colon = familiar.rfind(':');
  auto slash = familiar.rfind('/');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) return familiar;
  return familiar.substr(0, colon);
}

}  // namespace

ImageFilter ImageFilter::parse(const std::vector<std::string>& filters) {
  ImageFilter out;
  for (const auto& filter : filters) {
    auto eq = filter.find('=');
    if (eq == std::string::npos || eq == 0)
      throw UsageError("invalid filter `" + filter + "`: expected KEY=VALUE (" + kSupported + ")");
    const std::string key = filter.substr(0, eq);
    const std::string value = filter.substr(eq + 1);
    if (key == "dangling") {
      if (value != "true" && value != "false")
        throw UsageError("invalid filter `" + filter + "`: dangling takes true or false");
      const bool dangling = value == "true";
      if (out.dangling_ && *out.dangling_ != dangling)
        throw UsageError("invalid filter `" + filter + "`: conflicts with an earlier dangling filter");
      out.dangling_ = dangling;
    } else if (key == "reference") {
      if (value.empty()) throw UsageError("invalid filter `" + filter + "`: empty pattern");
      out.references_.push_back(value);
    } else if (key == "label") {
      auto label_eq = value.find('=');
      if (value.empty() || label_eq == 0) throw UsageError("invalid filter `" + filter + "`: empty label name");
      if (label_eq == std::string::npos) out.labels_.emplace_back(value, std::nullopt);
      else out.labels_.emplace_back(value.substr(0, label_eq), value.substr(label_eq + 1));
    } else {
      throw UsageError("invalid filter `" + filter + "` (" + kSupported + ")");
    }
  }
  return out;
}

bool ImageFilter::matches(const std::string& name, const nlohmann::json& config) const {
  if (dangling_ && *dangling_ != name.empty()) return false;
  if (!references_.empty()) {
    if (name.empty()) return false;
    const std::string repository = repository_of(name);
    if (std::none_of(references_.begin(), references_.end(), [&](const std::string& pattern) {
          return glob_matches(pattern, name) || glob_matches(pattern, repository);
        }))
      return false;
  }
  const nlohmann::json* labels = nullptr;
  if (auto it = config.find("config"); it != config.end() && it->is_object())
    if (auto l = it->find("Labels"); l != it->end() && l->is_object()) labels = &*l;
  for (const auto& [key, value] : labels_) {
    if (!labels || !labels->contains(key)) return false;
    const auto& actual = labels->at(key);
    if (value && (!actual.is_string() || actual.get<std::string>() != *value)) return false;
  }
  return true;
}

}  // namespace gantry::engine

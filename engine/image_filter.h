// `gantry images --filter`: docker's image filters over the local store's images.
//
//   dangling=true|false   untagged images only, or named ones only
//   reference=PATTERN     a glob on repository or repository:tag ("app", "team/*:1"); '*' stops
//                         at '/', as docker's path match does. Several are or-ed.
//   label=KEY[=VALUE]     the image config has the label (with that value). Several are and-ed.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace gantry::engine {

class ImageFilter {
 public:
  // Throws UsageError naming the filter that is malformed or has an unknown key.
  static ImageFilter parse(const std::vector<std::string>& filters);

  // `name`: the familiar name of a named image, empty for an untagged one; `config`: the image
  // config JSON.
  bool matches(const std::string& name, const nlohmann::json& config) const;

 private:
  std::optional<bool> dangling_;
  std::vector<std::string> references_;
  std::vector<std::pair<std::string, std::optional<std::string>>> labels_;
};

}  // namespace gantry::engine

// Small accessors for the OCI image config JSON a stage carries while it is lowered.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace gantry::frontend {

// The config every stage starts from when it has no base image (FROM scratch).
nlohmann::json empty_image_config();

// Env entries ("KEY=VALUE") of config.Env.
std::optional<std::string> get_env(const nlohmann::json& image, std::string_view key);
void set_env(nlohmann::json& image, const std::string& key, const std::string& value);

// Appends a history entry; `layer` entries are the ones that produced a filesystem change.
void add_history(nlohmann::json& image, const std::string& created_by, bool layer);

// Go's %q of a []string: ["a" "b"] (how BuildKit writes CMD/ENTRYPOINT in history).
std::string go_quote_list(const nlohmann::json& strings);

}  // namespace gantry::frontend

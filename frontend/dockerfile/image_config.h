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

// Appends a history entry (as BuildKit's Dockerfile frontend comments it); `layer` entries are
// the ones that produced a filesystem change. `created_by` is written as given (history_text.h).
void add_history(nlohmann::json& image, const std::string& created_by, bool layer);

}  // namespace gantry::frontend

// Small accessors for the OCI image config JSON a stage carries while it is lowered.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/platform.h"

namespace gantry::frontend {

// The config every stage of `platform` starts from when it has no base image (FROM scratch).
nlohmann::json empty_image_config(const Platform& platform);

// EXPOSE's "PORT[-PORT][/PROTO]" as the config's ExposedPorts keys ("80/tcp", ...). Throws
// Error with docker's message ("invalid proto: x", "invalid containerPort: x", ...), which the
// caller prefixes with where the spec came from.
std::vector<std::string> expand_port_range(const std::string& spec);

// Env entries ("KEY=VALUE") of config.Env.
std::optional<std::string> get_env(const nlohmann::json& image, std::string_view key);
void set_env(nlohmann::json& image, const std::string& key, const std::string& value);

// Appends a history entry (as BuildKit's Dockerfile frontend comments it); `layer` entries are
// the ones that produced a filesystem change. `created_by` is written as given (history_text.h).
void add_history(nlohmann::json& image, const std::string& created_by, bool layer);

}  // namespace gantry::frontend

// docker import's --change: Dockerfile instructions that set the config of the imported image,
// as docker's daemon applies them. Only those that change the config are allowed: CMD,
// ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR. Words are expanded
// against the image's environment as the Dockerfile's are ($VAR, ${VAR:-w}); shell-form CMD and
// ENTRYPOINT run under /bin/sh -c; an ENTRYPOINT clears a CMD no earlier change set.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace gantry::engine {

// Applies `changes` in order to `config` (an image config's "config" object). Throws UsageError
// "--change `TEXT`: what is wrong" for a change that is not one of those instructions, or not
// well formed.
void apply_image_changes(nlohmann::json& config, const std::vector<std::string>& changes);

}  // namespace gantry::engine

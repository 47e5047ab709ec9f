// The `# syntax=IMAGE` directive. BuildKit runs IMAGE as the frontend that reads the rest of the
// file; gantry always reads it with its own frontend, which follows docker/dockerfile's syntax
// up to kDockerfileSyntaxVersion. Naming docker/dockerfile (any version, channel or registry
// spelling) is therefore what gantry does anyway; naming any other frontend is not, and
// earns a warning.
#pragma once

#include <string_view>

namespace gantry::frontend {

// The docker/dockerfile release whose instructions and flags the built-in frontend follows.
inline constexpr std::string_view kDockerfileSyntaxVersion = "1.20";

// Whether `image` names docker/dockerfile (or its -upstream builds): "docker/dockerfile:1.7",
// "docker.io/docker/dockerfile:1-labs", "docker/dockerfile@sha256:...".
bool names_docker_dockerfile(std::string_view image);

}  // namespace gantry::frontend

// An image config's "config" object (OCI or docker, as the image carries it) in the shape
// docker's `image inspect` prints as Config: docker 28's DockerOCIImageConfig, its fields in
// that struct's order (User, ExposedPorts, Env, Entrypoint, Cmd, Volumes, WorkingDir, Labels,
// StopSignal, ArgsEscaped, Healthcheck, OnBuild, Shell), each left out when empty as Go's
// omitempty leaves it out. So `inspect -f '{{json .Config}}'` writes what docker's does.
#pragma once

#include <nlohmann/json.hpp>

namespace gantry::engine {

// `config` is the "config" object of an image config (null or absent: an image without one).
nlohmann::ordered_json docker_image_config(const nlohmann::json& config);

}  // namespace gantry::engine

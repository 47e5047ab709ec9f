// What `docker image inspect` prints of an image, for an image of the local store: docker 28's
// InspectResponse (API 1.50), its fields in that struct's order so that a template's
// {{json .X}} writes what docker's does. Config is docker_image_config() of the image's config;
// GraphDriver and Descriptor are as docker's containerd image store gives them (gantry keeps
// layers as overlayfs snapshots and names manifests by digest, as that store does).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "cache/store.h"

namespace gantry::engine {

// The image `ref` names (as find_image finds it). Throws Error naming `ref` when there is none.
nlohmann::ordered_json inspect_image(cache::Store& store, const std::string& ref);

// What each field of inspect_image()'s output holds when it is left out (Go's omitempty), as
// docker's templates, evaluated on Go structs, see it: "" for a string, [] for a list, ...
const nlohmann::ordered_json& inspect_zero_values();

// Go's RFC 3339 with nanoseconds as time.Format writes it: `created` with the trailing zeros of
// its fraction (and a fraction of only zeros) dropped; text that is not such a time as it is.
std::string go_rfc3339_nano(const std::string& created);

}  // namespace gantry::engine

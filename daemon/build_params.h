// POST /build's query parameters and X-Registry-Config header as docker's clients send them,
// checked and put in the engine's terms. A parameter gantry does not implement is refused by
// name unless it has the value that asks for nothing (memory=0, cpusetcpus=, rm=1): docker's
// clients send many of those with every build.
//
//   t (repeatable), dockerfile, buildargs (JSON object), target, nocache, pull, labels (JSON
//   object), networkmode (default|bridge|host|none), q, extrahosts (repeatable HOST:IP),
//   shmsize (bytes), ulimits (JSON [{"Name","Soft","Hard"}]), platform (the host's only),
//   cachefrom (JSON array of refs), remote (a Git URL, or an http(s) URL of a context tarball or
//   a Dockerfile: the context, instead of the body)
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/build_job.h"

namespace gantry::daemon {

struct BuildParams {
  // What the parameters ask of the engine (tags, build args, target, nocache, pull, labels,
  // network, extra hosts, shm size, ulimits, cache-from); its input comes with the body.
  engine::BuildRequest request;
  std::string dockerfile = "Dockerfile";  // a path in the context
  bool quiet = false;
  std::string remote;  // "" = the context is the request's body
};

// Throws UsageError naming the parameter that is malformed, unknown or not implemented.
BuildParams parse_build_params(const std::multimap<std::string, std::string>& query);

// The X-Registry-Config header (base64, URL or standard alphabet, of a JSON object from
// registry to {"username", "password", "auth", "identitytoken", ...}) as a docker config.json
// ({"auths": {registry: {...}}}) for a CredentialStore to read. Throws UsageError when it is
// not base64 of such an object.
nlohmann::json registry_config_file(const std::string& header);

}  // namespace gantry::daemon

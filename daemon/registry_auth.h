// The registry credentials a docker client sends with a request, in docker's AuthConfig JSON
// ({"username", "password", "auth", "identitytoken", "serveraddress", ...}): the body of POST
// /auth, and the X-Registry-Auth header of a pull or push (base64url of that JSON). They are
// the client's, for that one request: the daemon keeps none.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "registry/credentials.h"

namespace gantry::daemon {

struct ClientAuth {
  std::string server;  // serveraddress as the client gave it; may be empty
  std::optional<registry::Credentials> credentials;  // none when the config holds none
};

// An AuthConfig object; `what` names where it came from in errors. Throws UsageError for one
// that is not an object, a field of the wrong type, an `auth` that is not base64 of
// USER:PASSWORD, or a `registrytoken` (a bearer token gantry cannot show a registry as is).
ClientAuth parse_auth_config(const nlohmann::json& config, const std::string& what);

// X-Registry-Auth: base64url, padded or not, of an AuthConfig. Throws UsageError.
ClientAuth parse_registry_auth_header(const std::string& header);

// A CredentialStore that holds `auth`'s credentials for `host` alone: a docker config.json
// written (mode 0600) in `dir`, a scratch directory of the request.
registry::CredentialStore credentials_for(const std::filesystem::path& dir, const std::string& host,
                                          const ClientAuth& auth);

}  // namespace gantry::daemon

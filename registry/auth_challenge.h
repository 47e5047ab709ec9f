// The WWW-Authenticate challenge a registry answers 401 with (RFC 7235), e.g.
//   Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"
//   Basic realm="registry"
// The client reads it once per registry (GET /v2/) to learn how to authenticate.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace gantry::registry {

struct AuthChallenge {
  enum class Scheme { Basic, Bearer };
  Scheme scheme;
  std::map<std::string, std::string> params;  // lower-case names: realm, service, scope, ...

  std::string param(const std::string& name) const;
};

// The first Basic or Bearer challenge in a WWW-Authenticate value; nullopt for anything else.
std::optional<AuthChallenge> parse_auth_challenge(std::string_view header);

}  // namespace gantry::registry

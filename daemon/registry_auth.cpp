#include "daemon/registry_auth.h"

#include <algorithm>

#include "base/base64.h"
#include "base/error.h"
#include "base/file_util.h"

namespace gantry::daemon {

using nlohmann::json;

namespace {

std::string string_field(const json& config, const char* key, const std::string& what) {
  if (!config.contains(key) || config[key].is_null()) return {};
  if (!config[key].is_string()) throw UsageError(what + ": `" + key + "` is not a string");
  return config[key].get<std::string>();
}

}  // namespace

ClientAuth parse_auth_config(const json& config, const std::string& what) {
  if (!config.is_object()) throw UsageError(what + ": not a JSON object");
  ClientAuth auth{.server = string_field(config, "serveraddress", what)};
  if (!string_field(config, "registrytoken", what).empty())
    throw UsageError(what +
                     ": `registrytoken` is not supported (give a user and password, or an "
                     "identitytoken)");
  registry::Credentials c{.username = string_field(config, "username", what),
                          .password = string_field(config, "password", what),
                          .identity_token = string_field(config, "identitytoken", what)};
  if (const std::string encoded = string_field(config, "auth", what);
      !encoded.empty() && c.username.empty()) {
    std::string pair;
    try {
      pair = base64_decode(encoded);
    } catch (const Error&) {
      throw UsageError(what + ": `auth` is not base64");
    }
    const auto colon = pair.find(':');
    if (colon == std::string::npos) throw UsageError(what + ": `auth` is not USER:PASSWORD");
    c.username = pair.substr(0, colon);
    c.password = pair.substr(colon + 1);
  }
  if (!c.username.empty() || !c.password.empty() || !c.identity_token.empty())
    auth.credentials = std::move(c);
  return auth;
}

ClientAuth parse_registry_auth_header(const std::string& header) {
  std::string text = header;
  std::replace(text.begin(), text.end(), '-', '+');
  std::replace(text.begin(), text.end(), '_', '/');
  while (text.size() % 4 != 0) text += '=';
  json config;
  try {
    config = json::parse(base64_decode(text));
  } catch (const std::exception&) {
    throw UsageError("X-Registry-Auth: not base64url of a JSON object");
  }
  if (config.is_null()) return {};
  return parse_auth_config(config, "X-Registry-Auth");
}

registry::CredentialStore credentials_for(const std::filesystem::path& dir, const std::string& host,
                                          const ClientAuth& auth) {
  json auths = json::object();
  if (auth.credentials) {
    const auto& c = *auth.credentials;
    json& entry = auths[registry::auth_key_for(host)] = json::object();
    if (!c.identity_token.empty()) entry["identitytoken"] = c.identity_token;
    if (!c.username.empty()) entry["username"] = c.username;
    if (!c.password.empty()) entry["password"] = c.password;
  }
  const std::filesystem::path file = dir / "registry-auth.json";
  write_file_atomic(file, json{{"auths", auths}}.dump(), 0600);
  return registry::CredentialStore({file});
}

}  // namespace gantry::daemon

// Registry credentials where docker keeps them, found as the docker CLI finds them, so that
// `gantry login` and `docker login` share them and docker's credential helpers (the desktop
// keychain, pass, ECR, GCR, ACR) serve gantry too.
//
// A CredentialStore reads docker config.json files (the CLI gives $GANTRY_CONFIG, then
// $DOCKER_CONFIG/config.json or ~/.docker/config.json). In each file, for a registry:
//   "credHelpers": {"<registry>": "NAME"}  docker-credential-NAME serves that registry;
//   "credsStore": "NAME"                    else docker-credential-NAME serves every registry;
//   "auths": {"<registry>": {...}}          else the file itself: "auth" (base64 user:password),
//                                           or "username" and "password", and "identitytoken".
// A file whose helper or entry holds nothing for the registry passes to the next file. Docker
// Hub is keyed "https://index.docker.io/v1/", any other registry by its host[:port]; keys with
// a scheme or path ("https://host:5000/v1/") match on their host.
//
// save() and erase() change the first file, or the helper it names for the registry (then the
// file keeps an empty entry, as docker leaves it, and never the secret). The store itself keeps
// nothing in memory: every call reads the files again, so it may be copied and shared.
//
//   CredentialStore store({"/root/.docker/config.json"}, {"/usr/local/bin", "/usr/bin"});
//   std::optional<Credentials> c = store.find("127.0.0.1:5000");
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace gantry::registry {

// What a registry is shown: a user and password, or an identity token (an OAuth2 refresh token
// that the registry's token server exchanges for access tokens), which then stands alone.
struct Credentials {
  std::string username;
  std::string password;
  std::string identity_token;
};

class CredentialStore {
 public:
  // `files` are searched in order; the first is the one save() and erase() change.
  // `helper_dirs` are searched for docker-credential-NAME programs (the CLI gives $PATH).
  explicit CredentialStore(std::vector<std::filesystem::path> files,
                           std::vector<std::filesystem::path> helper_dirs = {})
      : files_(std::move(files)), helper_dirs_(std::move(helper_dirs)) {}

  // The credentials for `host` ("docker.io", "127.0.0.1:5000"), or nothing. Throws Error naming
  // the file (malformed JSON or entry) or the helper and registry (missing, failing).
  std::optional<Credentials> find(const std::string& host) const;
  // Keeps `credentials` for `host`; returns where, for the user ("credential helper
  // `docker-credential-pass`", "`/root/.docker/config.json`"). Files are written atomically,
  // keeping their other keys.
  std::string save(const std::string& host, const Credentials& credentials) const;
  bool erase(const std::string& host) const;  // false when there was nothing to remove

 private:
  // The file save() and erase() change; throws Error for a store of no files.
  const std::filesystem::path& file() const;

  std::vector<std::filesystem::path> files_;
  std::vector<std::filesystem::path> helper_dirs_;
};

// "https://host:5000/v1/" -> "host:5000": the registry a config key or a server given to
// login names (docker takes either form).
std::string host_of_server(std::string server);

// The key docker keeps a registry's credentials under (docker.io's: its v1 index URL).
std::string auth_key_for(const std::string& host);

}  // namespace gantry::registry

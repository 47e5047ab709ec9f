// Registry credentials in docker's config.json form, so `gantry login` and `docker login`
// share them:  {"auths": {"127.0.0.1:5000": {"auth": base64("user:password")}}}
//
// Lookups read, in order, $GANTRY_CONFIG (a file) and then docker's own file
// ($DOCKER_CONFIG/config.json, else ~/.docker/config.json); `gantry login` writes the first of
// them. Keys may carry a scheme or path ("https://host/v1/"); they match on the host.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace gantry::registry {

struct Credentials {
  std::string username;
  std::string password;
};

class CredentialStore {
 public:
  // `files` are searched in order; the first is the one save() and erase() change.
  explicit CredentialStore(std::vector<std::filesystem::path> files) : files_(std::move(files)) {}
  static CredentialStore from_environment();

  std::optional<Credentials> find(const std::string& host) const;
  // Written atomically; other keys of the file are kept. Throws Error naming the file.
  void save(const std::string& host, const Credentials& credentials) const;
  bool erase(const std::string& host) const;  // false when there was nothing to remove
  const std::filesystem::path& file() const { return files_.front(); }

 private:
  std::vector<std::filesystem::path> files_;
};

// docker.io's credentials are kept under the key docker uses for it.
std::string auth_key_for(const std::string& host);

std::string base64_encode(std::string_view data);
std::string base64_decode(std::string_view text);  // throws Error on malformed input

}  // namespace gantry::registry

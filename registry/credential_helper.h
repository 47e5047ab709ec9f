// A docker credential helper: the program docker-credential-NAME that keeps registry
// credentials in a keychain (the desktop's, `pass`) or makes them on demand (ECR, GCR, ACR), as
// named by `credsStore` or `credHelpers` in docker's config.json.
//
// The protocol is the one docker-credential-helpers defines; gantry runs the program once per
// call with the verb as its only argument, its environment being gantry's own:
//   get    stdin: the server URL      stdout: {"ServerURL":..,"Username":..,"Secret":..}
//   store  stdin: that JSON           stdout: nothing
//   erase  stdin: the server URL      stdout: nothing
//   list   stdin: nothing             stdout: {"<server URL>": "<username>", ...}
// A failing program exits non-zero with its explanation on stdout; "credentials not found in
// native keychain" means it holds nothing for that server, which is no error. A Username of
// "<token>" means the Secret is an identity token (an OAuth2 refresh token), not a password.
//
// Errors name the program and the server: "credential helper `docker-credential-pass` for
// 127.0.0.1:5000: get failed (exit status 1): pass not initialized". They never carry a secret.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "registry/credentials.h"

namespace gantry::registry {

class CredentialHelper {
 public:
  // `name` is what the config names ("pass" for docker-credential-pass); the program is looked
  // for in `search_dirs` (the CLI gives $PATH) when it is first run.
  CredentialHelper(std::string name, std::vector<std::filesystem::path> search_dirs);

  // "docker-credential-NAME"
  const std::string& program() const { return program_; }

  // Nothing when the helper holds no credentials for `server_url`.
  std::optional<Credentials> get(const std::string& server_url) const;
  void store(const std::string& server_url, const Credentials& credentials) const;
  // False when the helper held nothing for `server_url`.
  bool erase(const std::string& server_url) const;
  // Server URL -> username of everything the helper holds.
  std::map<std::string, std::string> list() const;

 private:
  struct Answer {
    int exit_status = 0;
    std::string out;
    std::string err;
  };
  Answer run(const std::string& verb, const std::string& input,
             const std::string& server_url) const;
  std::filesystem::path find_program(const std::string& server_url) const;
  // "credential helper `docker-credential-NAME` for SERVER"
  std::string subject(const std::string& server_url) const;

  std::string program_;
  std::vector<std::filesystem::path> search_dirs_;
};

// The message a helper prints when it holds nothing for a server.
inline constexpr const char* kCredentialsNotFound = "credentials not found in native keychain";

}  // namespace gantry::registry

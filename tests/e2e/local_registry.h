// A docker-registry of a test's own: started by shared/tools/registry.sh on a free loopback
// port with its state in a directory of the test, and stopped when the object goes away (also
// when the test fails), so tests can run in parallel and leave no process behind.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "base/digest.h"

namespace gantry::e2e {

class LocalRegistry {
 public:
  enum class Mode { Plain, Tls, Basic, Token };

  // Whether /usr/bin/docker-registry is there (tests skip with a message when it is not).
  static bool available();

  // Throws std::runtime_error with the script's output when the registry does not start.
  LocalRegistry(Mode mode, std::filesystem::path state_dir);
  ~LocalRegistry();
  LocalRegistry(const LocalRegistry&) = delete;
  LocalRegistry& operator=(const LocalRegistry&) = delete;

  const std::string& host() const { return host_; }  // "127.0.0.1:PORT"
  std::filesystem::path ca_file() const { return state_ / "tls" / "registry.crt"; }
  std::filesystem::path cert_dir() const { return state_ / "certs.d"; }
  static std::string user() { return "gantry"; }
  static std::string password() { return "gantry-pass"; }
  // Where the registry keeps a blob's bytes (for tests that corrupt one).
  std::filesystem::path blob_file(const Digest& digest) const;
  // skopeo's TLS and credential flags for this registry ("--tls-verify=false" or "--cert-dir").
  std::vector<std::string> skopeo_flags() const;

 private:
  std::filesystem::path state_;
  std::string host_;
  Mode mode_;
};

// A TCP port on 127.0.0.1 nobody listens on (for "registry is down" tests).
int unused_loopback_port();

}  // namespace gantry::e2e

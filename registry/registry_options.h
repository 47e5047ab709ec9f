// How gantry reaches registries: which hosts may be reached over plain HTTP, which CAs to
// trust, how long to wait. Flags fill it; from_environment() adds what the environment says.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace gantry::registry {

struct RegistryOptions {
  // HOST:PORT reached without TLS verification, and over plain HTTP when HTTPS fails.
  std::vector<std::string> insecure_registries;
  std::filesystem::path ca_file;  // a PEM CA trusted besides the system's
  long connect_timeout_seconds = 30;
  long stall_timeout_seconds = 60;

  // Adds $GANTRY_REGISTRY_CA (unless ca_file is set), "insecure-registries" of the
  // $GANTRY_CONFIG file, and $GANTRY_REGISTRY_TIMEOUT (seconds, for both timeouts).
  RegistryOptions with_environment() const;
  bool is_insecure(const std::string& host) const;
};

// localhost, 127.0.0.0/8 and ::1, with or without a port: like docker, these may fall back to
// plain HTTP when HTTPS gets no TLS answer (a verified certificate is still required over TLS).
bool is_loopback_host(const std::string& host);

}  // namespace gantry::registry

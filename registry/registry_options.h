// How gantry reaches registries: which hosts may be reached over plain HTTP, which CAs to
// trust, how long to wait, which mirrors to pull from first. Flags and the config file fill
// it; with_environment() adds what the environment says.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace gantry::registry {

struct RegistryOptions {
  // HOST:PORT reached without TLS verification, and over plain HTTP when HTTPS fails.
  std::vector<std::string> insecure_registries;
  std::filesystem::path ca_file;  // a PEM CA trusted besides the system's
  // Directories laid out as docker's /etc/docker/certs.d (registry/certs_directory.h): a
  // registry's CAs and TLS client certificate, in HOST[:PORT]/ of the first that has one.
  std::vector<std::filesystem::path> certs_dirs;
  long connect_timeout_seconds = 30;
  long stall_timeout_seconds = 60;
  long total_timeout_seconds = 600;  // an exchange, plus time for a blob's length (http_transport.h)
  // Registry host ("docker.io", "127.0.0.1:5000") -> mirror hosts (HOST[:PORT]) a pull tries in
  // order before the registry itself; the same repository path is asked of each.
  std::map<std::string, std::vector<std::string>> mirrors;

  // Adds $GANTRY_REGISTRY_CA (unless ca_file is set), "insecure-registries" of the
  // $GANTRY_CONFIG file, $GANTRY_REGISTRY_TIMEOUT (seconds, for all three timeouts), and unless
  // certs_dirs is set, the certs dirs: those $GANTRY_CERTS_D lists (colon-separated), else
  // gantry's ($XDG_CONFIG_HOME/gantry/certs.d, ~/.config/gantry/certs.d without it), then
  // docker's /etc/docker/certs.d.
  RegistryOptions with_environment() const;
  bool is_insecure(const std::string& host) const;
  // The mirrors a pull of an image of `registry` tries, in order, before `registry` itself.
  std::vector<std::string> mirrors_of(const std::string& registry) const;
};

// localhost, 127.0.0.0/8 and ::1, with or without a port: like docker, these may fall back to
// plain HTTP when HTTPS gets no TLS answer (a verified certificate is still required over TLS).
bool is_loopback_host(const std::string& host);

}  // namespace gantry::registry

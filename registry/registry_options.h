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
  long connect_timeout_seconds = 30;
  long stall_timeout_seconds = 60;
  long total_timeout_seconds = 600;  // an exchange, plus time for a blob's length (http_transport.h)
  // Registry host ("docker.io", "127.0.0.1:5000") -> mirrors a pull tries in order before the
  // registry itself; the same repository path is asked of each. A mirror is HOST[:PORT] or, as
  // docker's daemon.json writes them, a URL: "https://mirror.example", or "http://HOST:PORT" for
  // a mirror spoken to over plain HTTP only (parse_mirror).
  std::map<std::string, std::vector<std::string>> mirrors;

  // Adds $GANTRY_REGISTRY_CA (unless ca_file is set), "insecure-registries" of the
  // $GANTRY_CONFIG file, and $GANTRY_REGISTRY_TIMEOUT (seconds, for all three timeouts).
  RegistryOptions with_environment() const;
  bool is_insecure(const std::string& host) const;
  // Whether `host` is a mirror given as an http:// URL: reached over plain HTTP, never HTTPS.
  bool is_plain_http(const std::string& host) const;
  // The hosts of the mirrors a pull of an image of `registry` tries, in order, before `registry`
  // itself. Throws UsageError naming a mirror entry that is not a host or an http(s) URL.
  std::vector<std::string> mirrors_of(const std::string& registry) const;
};

struct Mirror {
  std::string host;         // HOST[:PORT]
  bool plain_http = false;  // given as http://
};
// "mirror.example:5000", "https://mirror.example/", "http://127.0.0.1:5000". Throws UsageError
// naming `entry` for another scheme, or a path, query or fragment after the host (docker's rules).
Mirror parse_mirror(const std::string& entry);

// The host that serves a registry's API: docker.io's is registry-1.docker.io, as docker's;
// every other registry serves its own name. Credentials stay keyed by the registry's name.
std::string endpoint_host(const std::string& registry);

// localhost, 127.0.0.0/8 and ::1, with or without a port: like docker, these may fall back to
// plain HTTP when HTTPS gets no TLS answer (a verified certificate is still required over TLS).
bool is_loopback_host(const std::string& host);

}  // namespace gantry::registry

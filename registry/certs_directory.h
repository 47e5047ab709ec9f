// Per-registry TLS files laid out as docker's certs.d: for a registry HOST[:PORT], the directory
// <certs dir>/HOST[:PORT]/ holds
//   *.crt                 CA certificates (PEM) trusted for that registry, besides the system's
//   NAME.cert + NAME.key  a TLS client certificate and its private key (PEM), one pair at most
// The certs dirs are searched in order (RegistryOptions::certs_dirs); the first that has a
// directory for the registry is the one used, whole.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace gantry::registry {

struct HostCertificates {
  std::filesystem::path directory;    // where they were found; empty when nowhere
  std::string ca_pem;                 // every *.crt, concatenated
  std::filesystem::path client_cert;  // empty without a client certificate
  std::filesystem::path client_key;
};

// Throws Error naming the file at fault: a .cert without its .key or the reverse, several
// client certificates, an unreadable file.
HostCertificates host_certificates(const std::vector<std::filesystem::path>& certs_dirs,
                                   const std::string& host);

}  // namespace gantry::registry

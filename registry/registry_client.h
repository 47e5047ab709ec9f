// A client of one registry, speaking the OCI distribution spec v2.
//
// The first request pings GET /v2/ to learn the scheme (HTTPS; plain HTTP only for insecure
// and loopback registries) and the WWW-Authenticate challenge. Requests then carry Basic
// credentials, or a Bearer token fetched from the challenge's realm for the request's scope
// ("repository:team/app:pull,push") and kept for later requests of that scope. The token is
// asked for with a GET carrying the user and password as Basic credentials, or, when the
// credentials are an identity token, with an OAuth2 form POST (grant_type=refresh_token), as
// docker asks for it. No message of the client carries a password, token or Authorization header.
//
// Two hosts are reached otherwise: docker.io at registry-1.docker.io (endpoint_host), as docker
// reaches it, and a mirror given as an http:// URL over plain HTTP only.
//
// A client may be shared by threads (layers are fetched in parallel). Every method throws
// Error with a one-line message naming the registry and the object (manifest, blob) at fault
// and the cause: an HTTP status with the registry's error code, a refused connection, a timeout.
//
//   RegistryClient client("127.0.0.1:5000", options, credentials);
//   auto manifest = client.get_manifest("team/app", "1");
//   client.fetch_blob("team/app", layer_digest, [&](std::string_view bytes) { ingest.write(bytes); });
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "base/digest.h"
#include "base/error.h"
#include "registry/auth_challenge.h"
#include "registry/credentials.h"
#include "registry/http_transport.h"
#include "registry/registry_options.h"

namespace gantry::registry {

// The registry answered 401 to the credentials a login showed it.
class LoginRefused : public Error {
 public:
  LoginRefused(const std::string& message, std::string url) : Error(message), url_(std::move(url)) {}
  const std::string& url() const { return url_; }  // what was asked: "https://host:port/v2/"

 private:
  std::string url_;
};

struct RemoteManifest {
  std::string media_type;
  Digest digest;
  std::string bytes;
};

class RegistryClient {
 public:
  RegistryClient(std::string host, const RegistryOptions& options, std::optional<Credentials> credentials);

  const std::string& host() const { return host_; }

  // By tag or "sha256:..." digest, accepting OCI and docker schema2 manifests and indexes. The
  // bytes are checked against the digest asked for (or the one the registry names).
  RemoteManifest get_manifest(const std::string& repository, const std::string& reference);
  // Streams the blob to `sink`; the caller checks its digest.
  void fetch_blob(const std::string& repository, const Digest& digest,
                  const std::function<void(std::string_view)>& sink);
  bool has_blob(const std::string& repository, const Digest& digest);
  // Asks the registry to link a blob of `from_repository` into `repository`; false when it
  // cannot (the caller uploads then).
  bool mount_blob(const std::string& repository, const Digest& digest, const std::string& from_repository);
  // Uploads `size` bytes of `file` in one PUT, or in PATCH chunks of `chunk_size` (0: one PUT).
  void upload_blob(const std::string& repository, const Digest& digest, const std::filesystem::path& file,
                   std::int64_t size, std::int64_t chunk_size = 0);
  // PUTs a manifest under a tag or digest; returns its digest.
  Digest put_manifest(const std::string& repository, const std::string& reference,
                      const std::string& media_type, const std::string& bytes);
  // Proves the credentials: a 200 from GET /v2/ with them (after a token round for Bearer).
  // Throws LoginRefused when the registry answers 401.
  void check_login();

 private:
  struct Endpoint {
    std::string base_url;  // "https://host:port"
    TransportOptions transport;
    std::optional<AuthChallenge> challenge;
  };

  const Endpoint& endpoint();
  HttpResponse send(HttpRequest request, const std::string& scope);
  std::string authorization(const Endpoint& e, const std::string& scope, bool refresh);
  std::string fetch_token(const Endpoint& e, const std::string& scope);
  std::string absolute_url(const std::string& location) const;
  // "<what>: 404 Not Found (MANIFEST_UNKNOWN: manifest unknown)", and login hints for 401/403.
  Error status_error(const std::string& what, const HttpResponse& response) const;
  // Creates an upload session; returns its location, or nothing when a mount made it unneeded.
  std::optional<std::string> start_upload(const std::string& repository, const std::string& query,
                                          const std::string& scope, const std::string& what);

  std::string host_;
  RegistryOptions options_;
  std::optional<Credentials> credentials_;
  std::mutex mutex_;  // guards endpoint_ and tokens_
  std::optional<Endpoint> endpoint_;
  std::map<std::string, std::string> tokens_;  // scope -> "Bearer ..."
};

}  // namespace gantry::registry

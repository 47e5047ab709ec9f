#include "registry/registry_client.h"

#include <nlohmann/json.hpp>

#include "base/base64.h"
#include "base/file_util.h"
#include "exporter/media_types.h"
#include "registry/certs_directory.h"
#include "registry/curl_handle.h"

namespace gantry::registry {

using nlohmann::json;
namespace mt = exporter::media_types;

namespace {

// The system CAs plus the extra ones (a file, and a certs.d directory's PEM): CURLOPT_CAINFO
// alone would replace the system's.
std::string ca_bundle(const std::filesystem::path& extra_ca, const std::string& certs_d_pem) {
  if (extra_ca.empty() && certs_d_pem.empty()) return {};
  if (!extra_ca.empty() && !std::filesystem::exists(extra_ca))
    throw Error("registry CA file `" + extra_ca.string() + "`: no such file");
  std::string bundle;
  for (const char* system : {"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"})
    if (std::filesystem::exists(system)) {
      bundle = read_file(system) + "\n";
      break;
    }
  if (!extra_ca.empty()) bundle += read_file(extra_ca) + "\n";
  return bundle + certs_d_pem;
}

std::string reason_phrase(long status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 416: return "Range Not Satisfiable";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "HTTP status";
  }
}

// The registry's own explanation: {"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown"}]}
std::string registry_errors(const std::string& body) {
  try {
    auto parsed = json::parse(body);
    std::string out;
    for (const auto& e : parsed.value("errors", json::array())) {
      if (!out.empty()) out += "; ";
      out += e.value("code", "") + ": " + e.value("message", "");
    }
    return out;
  } catch (const json::exception&) {
    return {};
  }
}

std::string accept_manifests() {
  return "Accept: " + std::string(mt::kOciManifest) + ", " + std::string(mt::kOciIndex) + ", " +
         std::string(mt::kDockerManifest) + ", " + std::string(mt::kDockerManifestList);
}

std::string pull_scope(const std::string& repository) { return "repository:" + repository + ":pull"; }
std::string push_scope(const std::string& repository) { return "repository:" + repository + ":pull,push"; }

std::string with_query(const std::string& url, const std::string& query) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + query;
}

// A URL as an error message may show it: without user:password@ or a query (a signed URL's
// signature is one).
std::string url_for_message(std::string url) {
  url = url.substr(0, url.find_first_of("?#"));
  const auto authority = url.find("://") == std::string::npos ? 0 : url.find("://") + 3;
  const auto at = url.find('@', authority);
  if (at != std::string::npos && at < url.find('/', authority))
    url.erase(authority, at + 1 - authority);
  return url;
}

}  // namespace

RegistryClient::RegistryClient(std::string host, const RegistryOptions& options,
                               std::optional<Credentials> credentials)
    : host_(std::move(host)), options_(options), credentials_(std::move(credentials)) {}

const RegistryClient::Endpoint& RegistryClient::endpoint() {
  std::lock_guard lock(mutex_);
  if (endpoint_) return *endpoint_;
  const bool insecure = options_.is_insecure(host_);
  const HostCertificates certs = host_certificates(options_.certs_dirs, host_);
  TransportOptions tls{.verify_tls = !insecure,
                       .ca_bundle_pem = ca_bundle(options_.ca_file, certs.ca_pem),
                       .client_cert = certs.client_cert,
                       .client_key = certs.client_key,
                       .connect_timeout_seconds = options_.connect_timeout_seconds,
                       .stall_timeout_seconds = options_.stall_timeout_seconds,
                       .total_timeout_seconds = options_.total_timeout_seconds};
  std::vector<std::string> schemes = {"https"};
  if (insecure || is_loopback_host(host_)) schemes.push_back("http");
  if (options_.is_plain_http(host_)) schemes = {"http"};
  // docker.io's API is served by another host; errors about reaching it name that host.
  const std::string server = endpoint_host(host_);

  std::string failure;
  for (const auto& scheme : schemes) {
    Endpoint e{scheme + "://" + server, tls, std::nullopt};
    HttpResponse pong;
    try {
      pong = perform({.url = e.base_url + "/v2/"}, e.transport);
    } catch (const TransportError& error) {
      if (error.certificate_rejected())
        throw Error("registry " + server + ": TLS certificate not trusted (" + error.what() +
                    "); pass its CA with --registry-ca or GANTRY_REGISTRY_CA, put it in a certs.d "
                    "directory as " + host_ + "/ca.crt, or use --insecure-registry " + host_);
      if (scheme == "https" && error.tls_spoken())
        throw Error("registry " + server + ": TLS failed (" + error.what() + ")" +
                    (certs.client_cert.empty()
                         ? "; if it asks for a client certificate, put client.cert and client.key in a "
                           "certs.d directory as " + host_ + "/"
                         : " with the client certificate `" + certs.client_cert.string() + "`"));
      failure = error.what();
      continue;
    }
    if (pong.status == 401) {
      e.challenge = parse_auth_challenge(pong.header("www-authenticate"));
      if (!e.challenge)
        throw Error("registry " + host_ + ": unsupported authentication `" + pong.header("www-authenticate") + "`");
    } else if (pong.status != 200) {
      throw status_error("registry " + host_ + ": GET /v2/", pong);
    }
    endpoint_ = std::move(e);
    return *endpoint_;
  }
  throw Error("registry " + server + " unreachable: " + failure);
}

std::string RegistryClient::fetch_token(const Endpoint& e, const std::string& scope) {
  const std::string url = e.challenge->param("realm");
  if (url.empty()) throw Error("registry " + host_ + ": Bearer challenge without a realm");
  const std::string what = "registry " + host_ + ": token server " + url_for_message(url);
  const std::string service = e.challenge->param("service");
  // Several scopes (a mount needs the source repository too) are separated by spaces.
  std::vector<std::string> scopes;
  for (std::size_t pos = 0; pos < scope.size();) {
    auto space = scope.find(' ', pos);
    scopes.push_back(
        scope.substr(pos, space == std::string::npos ? std::string::npos : space - pos));
    pos = space == std::string::npos ? scope.size() : space + 1;
  }
  HttpRequest request{.url = url, .follow_redirects = true};
  if (credentials_ && !credentials_->identity_token.empty()) {
    // An identity token is an OAuth2 refresh token: exchanged in a form POST, as docker does.
    request.method = "POST";
    request.headers.push_back("Content-Type: application/x-www-form-urlencoded");
    request.body =
        "grant_type=refresh_token&refresh_token=" + url_escape(credentials_->identity_token) +
        "&client_id=gantry&service=" + url_escape(service) + "&scope=" + url_escape(scope);
  } else {
    // Else a GET with the scopes as separate parameters and Basic credentials, if any.
    std::string query;
    if (!service.empty()) query += "service=" + url_escape(service);
    for (const auto& one : scopes)
      query += (query.empty() ? "" : "&") + std::string("scope=") + url_escape(one);
    if (!query.empty()) request.url = with_query(url, query);
    if (credentials_)
      request.headers.push_back(
          "Authorization: Basic " +
          base64_encode(credentials_->username + ":" + credentials_->password));
  }
  HttpResponse response;
  try {
    response = perform(request, e.transport);
  } catch (const TransportError& error) {
    throw Error(what + " unreachable: " + error.what());
  }
  if (response.status != 200) throw status_error(what + ": token request", response);
  auto body = json::parse(response.body, nullptr, false);
  if (!body.is_object()) throw Error(what + ": answered something other than JSON");
  // "access_token" is OAuth2's name, "token" the registry protocol's; either will do.
  const json token =
      body.contains("access_token") ? body["access_token"] : body.value("token", json());
  if (!token.is_string() || token.get<std::string>().empty())
    throw Error(what + ": answered no token");
  return "Authorization: Bearer " + token.get<std::string>();
}

std::string RegistryClient::authorization(const Endpoint& e, const std::string& scope, bool refresh) {
  if (!e.challenge) return {};
  if (e.challenge->scheme == AuthChallenge::Scheme::Basic) {
    if (!credentials_) return {};
    if (!credentials_->identity_token.empty())
      throw Error("registry " + host_ +
                  ": the credentials for it are an identity token, which only a token "
                  "server takes (the registry asks for Basic authentication, a user and password)");
    return "Authorization: Basic " + base64_encode(credentials_->username + ":" + credentials_->password);
  }
  std::lock_guard lock(mutex_);
  auto it = tokens_.find(scope);
  if (it != tokens_.end() && !refresh) return it->second;
  return tokens_[scope] = fetch_token(e, scope);
}

HttpResponse RegistryClient::send(HttpRequest request, const std::string& scope) {
  const Endpoint& e = endpoint();
  if (request.url.starts_with("/")) request.url = e.base_url + request.url;
  const auto plain_headers = request.headers;
  HttpResponse response;
  // A cached token may have expired: on 401 fetch a fresh one and try once more.
  for (bool refresh : {false, true}) {
    request.headers = plain_headers;
    if (auto auth = authorization(e, scope, refresh); !auth.empty()) request.headers.push_back(auth);
    try {
      response = perform(request, e.transport);
    } catch (const TransportError& error) {
      throw Error("registry " + host_ + ": " + error.what());
    }
    if (response.status != 401 || !e.challenge || e.challenge->scheme != AuthChallenge::Scheme::Bearer) break;
  }
  return response;
}

std::string RegistryClient::absolute_url(const std::string& location) const {
  if (location.starts_with("http://") || location.starts_with("https://")) return location;
  return endpoint_->base_url + (location.starts_with("/") ? "" : "/") + location;
}

Error RegistryClient::status_error(const std::string& what, const HttpResponse& response) const {
  std::string message = what + ": " + std::to_string(response.status) + " " + reason_phrase(response.status);
  if (auto detail = registry_errors(response.body); !detail.empty()) message += " (" + detail + ")";
  if (response.status == 401 || response.status == 403) {
    if (!credentials_)
      message += "; authentication required: gantry login " + host_;
    else if (!credentials_->identity_token.empty())
      message += "; the registry rejected the identity token";
    else
      message += "; the registry rejected the credentials of user `" + credentials_->username + "`";
  }
  return Error(message);
}

RemoteManifest RegistryClient::get_manifest(const std::string& repository, const std::string& reference) {
  const std::string what = host_ + "/" + repository + ": manifest " + reference;
  std::string body;
  HttpResponse r = send({.url = "/v2/" + repository + "/manifests/" + reference,
                         .headers = {accept_manifests()},
                         .follow_redirects = true,
                         .on_body =
                             [&](std::string_view bytes) {
                               if (static_cast<std::int64_t>(body.size() + bytes.size()) > mt::kMaxManifestBytes)
                                 throw Error(what + ": too large (more than " +
                                             std::to_string(mt::kMaxManifestBytes) +
                                             " bytes, the most a manifest may have)");
                               body += bytes;
                             }},
                        pull_scope(repository));
  if (r.status != 200) throw status_error(what, r);
  RemoteManifest m{r.header("content-type"), sha256_of(body), std::move(body)};
  std::optional<Digest> expected;
  if (reference.starts_with("sha256:")) expected = Digest::parse(reference);
  else if (auto named = r.header("docker-content-digest"); named.starts_with("sha256:")) expected = Digest::parse(named);
  if (expected && *expected != m.digest)
    throw Error(what + ": content does not match its digest " + expected->str() + " (got " + m.digest.str() + ")");
  // A manifest says its own type; the header may be a generic one.
  if (auto declared = json::parse(m.bytes, nullptr, false); declared.is_object() && declared.contains("mediaType"))
    m.media_type = declared["mediaType"].get<std::string>();
  if (auto semicolon = m.media_type.find(';'); semicolon != std::string::npos) m.media_type.resize(semicolon);
  return m;
}

void RegistryClient::fetch_blob(const std::string& repository, const Digest& digest,
                                const std::function<void(std::string_view)>& sink) {
  HttpResponse r = send({.url = "/v2/" + repository + "/blobs/" + digest.str(), .follow_redirects = true,
                         .on_body = sink},
                        pull_scope(repository));
  if (r.status != 200) throw status_error(host_ + "/" + repository + ": blob " + digest.str(), r);
}

bool RegistryClient::has_blob(const std::string& repository, const Digest& digest) {
  HttpResponse r = send({.method = "HEAD", .url = "/v2/" + repository + "/blobs/" + digest.str(),
                         .follow_redirects = true},
                        push_scope(repository));
  if (r.status == 200) return true;
  if (r.status == 404) return false;
  throw status_error(host_ + "/" + repository + ": blob " + digest.str(), r);
}

std::optional<std::string> RegistryClient::start_upload(const std::string& repository, const std::string& query,
                                                        const std::string& scope, const std::string& what) {
  std::string url = "/v2/" + repository + "/blobs/uploads/";
  HttpResponse r = send({.method = "POST", .url = query.empty() ? url : with_query(url, query)}, scope);
  if (r.status == 201) return std::nullopt;  // mounted
  if (r.status != 202) throw status_error(what + ": starting the upload", r);
  auto location = r.header("location");
  if (location.empty()) throw Error(what + ": the registry gave no upload location");
  return absolute_url(location);
}

bool RegistryClient::mount_blob(const std::string& repository, const Digest& digest,
                                const std::string& from_repository) {
  const std::string what = host_ + "/" + repository + ": blob " + digest.str();
  auto location = start_upload(repository, "mount=" + url_escape(digest.str()) + "&from=" + url_escape(from_repository),
                               push_scope(repository) + " " + pull_scope(from_repository), what);
  if (!location) return true;
  // The registry opened an upload instead of mounting; leaving it unused is allowed, it expires.
  return false;
}

void RegistryClient::upload_blob(const std::string& repository, const Digest& digest,
                                 const std::filesystem::path& file, std::int64_t size, std::int64_t chunk_size) {
  const std::string what = host_ + "/" + repository + ": blob " + digest.str();
  const std::string scope = push_scope(repository);
  std::string location = *start_upload(repository, "", scope, what);
  std::int64_t offset = 0;
  if (chunk_size > 0) {
    for (; offset < size; offset += chunk_size) {
      const std::int64_t length = std::min(chunk_size, size - offset);
      HttpResponse r = send({.method = "PATCH", .url = location,
                             .headers = {"Content-Type: application/octet-stream",
                                         "Content-Range: " + std::to_string(offset) + "-" +
                                             std::to_string(offset + length - 1)},
                             .body_file = file, .body_offset = offset, .body_length = length},
                            scope);
      if (r.status != 202) throw status_error(what + ": uploading bytes " + std::to_string(offset) + "+", r);
      if (auto next = r.header("location"); !next.empty()) location = absolute_url(next);
    }
  }
  // The closing PUT carries the rest (everything, for a monolithic upload) and the digest.
  HttpResponse r = send({.method = "PUT", .url = with_query(location, "digest=" + url_escape(digest.str())),
                         .headers = {"Content-Type: application/octet-stream"},
                         .body_file = offset < size ? file : std::filesystem::path(),
                         .body_offset = offset, .body_length = size - offset},
                        scope);
  if (r.status != 201) throw status_error(what + ": completing the upload", r);
}

Digest RegistryClient::put_manifest(const std::string& repository, const std::string& reference,
                                    const std::string& media_type, const std::string& bytes) {
  const std::string what = host_ + "/" + repository + ": manifest " + reference;
  HttpResponse r = send({.method = "PUT", .url = "/v2/" + repository + "/manifests/" + reference,
                         .headers = {"Content-Type: " + media_type}, .body = bytes},
                        push_scope(repository));
  if (r.status != 201 && r.status != 200) throw status_error(what, r);
  const Digest digest = sha256_of(bytes);
  if (auto named = r.header("docker-content-digest"); named.starts_with("sha256:") && Digest::parse(named) != digest)
    throw Error(what + ": the registry stored it as " + named + ", not " + digest.str());
  return digest;
}

void RegistryClient::check_login() {
  HttpResponse r = send({.url = "/v2/"}, "");
  if (r.status == 401)
    throw LoginRefused(status_error("registry " + host_ + ": login", r).what(),
                       endpoint().base_url + "/v2/");
  if (r.status != 200) throw status_error("registry " + host_ + ": login", r);
}

}  // namespace gantry::registry

// One HTTP exchange over libcurl, the only place the registry client touches the network.
//
// perform() sends a request and returns the status, the headers and, for error statuses, the
// body (registries explain failures there). A successful body can be streamed to `on_body`
// (blobs go straight into a content-store ingest) instead of being held in memory.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace gantry::registry {

struct TransportOptions {
  bool verify_tls = true;
  std::string ca_bundle_pem;          // trusted CAs as PEM text; empty: the system's
  std::filesystem::path client_cert;  // a PEM TLS client certificate, with its PEM key
  std::filesystem::path client_key;
  long connect_timeout_seconds = 30;
  long stall_timeout_seconds = 60;    // give up on a transfer under 1 byte/s for this long
  // The most a whole exchange may take, however its bytes trickle in (a server dripping a byte
  // a second is never stalled): this long, plus a second per 64 KiB of a body of known length
  // that is streamed (a blob, whose reader bounds its size).
  long total_timeout_seconds = 600;
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;                  // sent unless body_file is set
  std::filesystem::path body_file;   // sends [body_offset, body_offset + body_length) of it
  std::int64_t body_offset = 0;
  std::int64_t body_length = 0;
  bool follow_redirects = false;
  // Receives the body of a 2xx response as it arrives; without it the body is kept in memory.
  std::function<void(std::string_view)> on_body;
};

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // lower-case names, of the final response
  std::string body;
  std::string header(const std::string& lower_case_name) const;
};

// The request never got an HTTP answer: refused, unresolvable, timed out, TLS failed.
class TransportError : public Error {
 public:
  TransportError(const std::string& message, bool certificate_rejected, bool tls_spoken = false)
      : Error(message), certificate_rejected_(certificate_rejected), tls_spoken_(tls_spoken) {}
  // The server spoke TLS but its certificate was not trusted (so plain HTTP is no answer).
  bool certificate_rejected() const { return certificate_rejected_; }
  // The server spoke TLS: the handshake was done, or the server ended it with an alert (one
  // that wants a client certificate does either, by TLS version). Plain HTTP is no answer.
  bool tls_spoken() const { return tls_spoken_; }

 private:
  bool certificate_rejected_;
  bool tls_spoken_;
};

// Throws TransportError with curl's explanation; exceptions from on_body pass through.
HttpResponse perform(const HttpRequest& request, const TransportOptions& options);

}  // namespace gantry::registry

// The daemon's HTTP/1.1 server: requests in, responses out, on listening sockets it is given.
// It wraps cpp-httplib, whose header only this module's .cpp includes (it is heavy, and its
// types stay out of the daemon's other files).
//
// Every request of any method goes to the one handler, which routes it. A request's body is
// read only if the handler asks for it (read_body), as it arrives: a build context is spooled to
// disk, never held whole in memory. A response either has its whole body, or a `stream`
// function that writes it in chunks (chunked transfer encoding) for as long as it runs, and can
// ask whether the client is still there.
//
//   auto server = make_http_server([](HttpRequest& r) { return HttpResponse{.body = "{}"}; });
//   server->listen_unix("/run/gantry.sock");
//   server->listen_tcp("0.0.0.0", 2376, TlsFiles{...});   // as many listeners as wanted
//   std::thread t([&] { server->serve(); });   // until stop()
//   server->stop();                            // stops accepting; serve() returns
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/tls_files.h"

namespace gantry::daemon {

// Receives a request body in pieces as they arrive; returns false to stop reading.
using BodyChunkReceiver = std::function<bool(const char* data, std::size_t size)>;

struct HttpRequest {
  std::string method;                             // GET, HEAD, POST, DELETE, ...
  std::string path;                               // percent-decoded, without the query
  std::multimap<std::string, std::string> query;  // decoded; a name may repeat (t=a&t=b)
  std::map<std::string, std::string> headers;     // names in lower case
  // Feeds the body to `receiver`; false when the client broke off or the receiver said stop.
  // A request without a body calls nothing and returns true.
  std::function<bool(const BodyChunkReceiver& receiver)> read_body;

  std::optional<std::string> header(const std::string& lower_case_name) const;
  // The first value of a query parameter.
  std::optional<std::string> param(const std::string& name) const;
  std::vector<std::string> params(const std::string& name) const;  // every value, in order
};

// A response body written while it is made (a build's progress).
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  // Sends `data` as one chunk now; false once the client is gone. Safe from any thread.
  virtual bool write(std::string_view data) = 0;
  // Whether the client still has the connection open (it may have hung up while nothing was
  // being written). Safe from any thread.
  virtual bool client_connected() = 0;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // When set, `body` is ignored: the body is what this writes, chunked, on the worker thread
  // that serves the connection. It must not throw.
  std::function<void(ResponseStream&)> stream;
};

using HttpHandler = std::function<HttpResponse(HttpRequest&)>;

// The server. Its implementation, over cpp-httplib, is a module of its own (gantry-http.so,
// beside the gantry binary), loaded by make_http_server: cpp-httplib brings OpenSSL's TLS, zlib
// and brotli along, and linking them into gantry cost every command's start 2.7 ms of CPU.
class HttpServer {
 public:
  virtual ~HttpServer() = default;  // stops and waits for serve() to return; removes the sockets

  // Listens on a unix socket bound at `path`, which must not exist. Throws std::system_error
  // naming it.
  virtual void listen_unix(const std::string& path) = 0;
  // Listens on TCP `host`:`port` (a name or an IP address); with `tls`, speaks TLS only there.
  // Throws std::system_error naming the address, std::invalid_argument naming a TLS file at fault.
  virtual void listen_tcp(const std::string& host, int port,
                          const std::optional<TlsFiles>& tls) = 0;
  // Serves every listener until stop(); returns once they all stopped accepting and the
  // connections being served are done.
  virtual void serve() = 0;
  // Stops accepting; returns at once. Safe from any thread, also before serve().
  virtual void stop() = 0;
};

// Loads gantry-http.so from the directory of the running binary; throws Error naming it when
// it cannot.
std::unique_ptr<HttpServer> make_http_server(HttpHandler handler);

// What the module exports, by this unmangled name: a new server, which the caller owns.
extern "C" HttpServer* gantry_make_http_server(HttpHandler* handler);
using MakeHttpServer = HttpServer* (*)(HttpHandler* handler);

}  // namespace gantry::daemon

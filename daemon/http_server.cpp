#include "daemon/http_server.h"

#include <httplib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "daemon/tls_context.h"

namespace gantry::daemon {

namespace {

// Connections served at once per listener: each running build holds one for its whole length.
constexpr std::size_t kWorkersPerListener = 32;
// A body the handler did not read is read and dropped up to this much (so that the connection
// can carry the next request); past it the reading stops, and the next request on the
// connection is what is left of it (a 400, then the connection closes).
constexpr std::size_t kMaxUnreadBody = 1 << 20;

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return text;
}

// A chunked response body: httplib's sink, guarded so that several threads (a build's steps)
// may write to it, and remembering a failed write so that nothing follows it.
class ChunkedBody : public ResponseStream {
 public:
  explicit ChunkedBody(httplib::DataSink& sink) : sink_(sink) {}

  bool write(std::string_view data) override {
    std::lock_guard lock(mutex_);
    if (ok_ && !data.empty()) ok_ = sink_.write(data.data(), data.size());
    return ok_;
  }

  bool client_connected() override {
    std::lock_guard lock(mutex_);
    // is_writable peeks at the socket: a client that hung up reads as end of file.
    if (ok_) ok_ = sink_.is_writable();
    return ok_;
  }

  bool ok() {
    std::lock_guard lock(mutex_);
    return ok_;
  }

 private:
  httplib::DataSink& sink_;
  std::mutex mutex_;
  bool ok_ = true;
};

HttpRequest to_request(const httplib::Request& req, const httplib::ContentReader* reader) {
  HttpRequest request{
      .method = req.method, .path = req.path, .query = {req.params.begin(), req.params.end()}};
  for (const auto& [name, value] : req.headers) request.headers.emplace(lower(name), value);
  // A request with neither a length nor chunks has no body (RFC 9112 6.3); httplib 0.11 would
  // read one until the client closes, or its read timeout.
  const bool has_body =
      req.has_header("Content-Length") ||
      lower(req.get_header_value("Transfer-Encoding")).find("chunked") != std::string::npos;
  if (!has_body) reader = nullptr;
  request.read_body = [reader](const BodyChunkReceiver& receiver) {
    if (!reader) return true;
    return (*reader)(
        [&receiver](const char* data, std::size_t size) { return receiver(data, size); });
  };
  return request;
}

void to_response(HttpResponse response, httplib::Response& res) {
  res.status = response.status;
  for (const auto& [name, value] : response.headers) res.set_header(name, value);
  if (!response.stream) {
    res.set_content(response.body, response.content_type);
    return;
  }
  res.set_chunked_content_provider(
      response.content_type,
      [stream = std::move(response.stream)](std::size_t, httplib::DataSink& sink) {
        ChunkedBody body(sink);
        stream(body);
        if (!body.ok()) return false;  // the client is gone: httplib drops the connection
        sink.done();
        return true;
      });
}

// One listening socket: an httplib::Server (an SSLServer for TLS) of its own, served by a thread
// of its own.
struct Listener {
  std::unique_ptr<httplib::Server> server;
  std::string socket_path;  // a unix socket's, removed with the listener
  std::thread thread;
  std::atomic<bool> done{false};  // listen_after_bind returned

  ~Listener() {
    if (!socket_path.empty()) ::unlink(socket_path.c_str());
  }
};

// A server speaking TLS as `files` say; throws std::invalid_argument naming a file at fault.
std::unique_ptr<httplib::Server> make_tls_server(const TlsFiles& files) {
  // httplib calls this from its constructor, which must not be left by an exception (it would
  // leak the context): the error is kept and thrown once the server is made.
  std::optional<std::invalid_argument> error;
  auto server = std::make_unique<httplib::SSLServer>([&](SSL_CTX& context) {
    try {
      configure_tls_context(context, files);
      return true;
    } catch (const std::invalid_argument& e) {
      error = e;
      return false;
    }
  });
  if (error) throw *error;
  if (!server->is_valid()) throw std::invalid_argument("`" + files.cert + "`: set up TLS with it");
  return server;
}

class HttplibServer : public HttpServer {
 public:
  explicit HttplibServer(HttpHandler handler) : handler_(std::move(handler)) {}
  ~HttplibServer() override;
  void listen_unix(const std::string& path) override;
  void listen_tcp(const std::string& host, int port, const std::optional<TlsFiles>& tls) override;
  void serve() override;
  void stop() override;

 private:
  // A listener whose server sends every request to the handler, not bound yet.
  std::unique_ptr<Listener> routed(std::unique_ptr<httplib::Server> server);

  HttpHandler handler_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::mutex mutex_;
  std::condition_variable stop_asked_;
  std::atomic<bool> stopping_{false};
};

HttplibServer::~HttplibServer() {
  stop();
  for (auto& l : listeners_)
    if (l->thread.joinable()) l->thread.join();
}

std::unique_ptr<Listener> HttplibServer::routed(std::unique_ptr<httplib::Server> server_ptr) {
  auto listener = std::make_unique<Listener>();
  listener->server = std::move(server_ptr);
  httplib::Server& server = *listener->server;
  server.new_task_queue = [] { return new httplib::ThreadPool(kWorkersPerListener); };
  auto serve = [this](const httplib::Request& req, httplib::Response& res,
                      const httplib::ContentReader* reader) {
    // dockerd never compresses its answers, and docker-py (docker-compose 1.29's client) reads a
    // build's stream raw, so a gzip one it asked for (as python's requests always asks) would
    // be bytes it cannot parse. httplib compresses when the request accepts it: it is told the
    // request does not (the Request is httplib's own, not const, object).
    const_cast<httplib::Request&>(req).headers.erase("Accept-Encoding");
    HttpRequest request = to_request(req, reader);
    bool body_read = false;
    auto read_body = request.read_body;
    request.read_body = [&](const BodyChunkReceiver& receiver) {
      body_read = true;
      return read_body(receiver);
    };
    HttpResponse response = handler_(request);
    // A body the handler left unread would be taken for the next request on the connection.
    std::size_t dropped = 0;
    if (!body_read)
      read_body([&dropped](const char*, std::size_t size) {
        return (dropped += size) <= kMaxUnreadBody;
      });
    to_response(std::move(response), res);
  };
  auto plain = [serve](const httplib::Request& req, httplib::Response& res) {
    serve(req, res, nullptr);
  };
  auto with_body = [serve](const httplib::Request& req, httplib::Response& res,
                           const httplib::ContentReader& reader) { serve(req, res, &reader); };
  // Every path of every method goes to the handler, which routes it (HEAD is served as GET,
  // without the body). httplib gives a POST, PUT, PATCH or DELETE to a content-reader handler
  // whether it has a body or not, so those methods have only that one.
  server.Get(".*", plain);
  server.Options(".*", plain);
  server.Post(".*", with_body);
  server.Put(".*", with_body);
  server.Patch(".*", with_body);
  server.Delete(".*", with_body);
  return listener;
}

void HttplibServer::listen_unix(const std::string& path) {
  auto listener = routed(std::make_unique<httplib::Server>());
  listener->server->set_address_family(AF_UNIX);
  // The port means nothing on a unix socket, but 0 would send httplib looking for the one it got.
  if (!listener->server->bind_to_port(path, 80))
    throw std::system_error(errno, std::generic_category(),
                            "listen on the unix socket `" + path + "`");
  listener->socket_path = path;
  listeners_.push_back(std::move(listener));
}

void HttplibServer::listen_tcp(const std::string& host, int port,
                               const std::optional<TlsFiles>& tls) {
  auto listener = routed(tls ? make_tls_server(*tls) : std::make_unique<httplib::Server>());
  if (!listener->server->bind_to_port(host, port))
    throw std::system_error(errno, std::generic_category(),
                            "listen on `" + host + "` port " + std::to_string(port));
  listeners_.push_back(std::move(listener));
}

void HttplibServer::serve() {
  for (auto& l : listeners_)
    l->thread = std::thread([&listener = *l] {
      listener.server->listen_after_bind();
      listener.done = true;
    });
  // httplib's stop() reaches a server only once it runs.
  for (auto& l : listeners_)
    while (!l->server->is_running() && !l->done)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  {
    std::unique_lock lock(mutex_);
    stop_asked_.wait(lock, [this] { return stopping_.load(); });
  }
  for (auto& l : listeners_) l->server->stop();
  for (auto& l : listeners_) l->thread.join();
}

void HttplibServer::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_asked_.notify_all();
}

}  // namespace

}  // namespace gantry::daemon

extern "C" gantry::daemon::HttpServer* gantry_make_http_server(
    gantry::daemon::HttpHandler* handler) {
  return new gantry::daemon::HttplibServer(std::move(*handler));
}

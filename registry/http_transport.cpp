#include "registry/http_transport.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <exception>

#include "base/unique_fd.h"
#include "registry/curl_handle.h"

namespace gantry::registry {

namespace {

// An error body is only for the message; a misbehaving server must not fill the memory.
constexpr std::size_t kMaxKeptBody = 1 << 20;

// The slowest average rate a streamed body of known length is given time for, beyond the
// exchange's total timeout.
constexpr curl_off_t kSlowestBytesPerSecond = 64 * 1024;

struct Exchange {
  CURL* curl;
  const HttpRequest& request;
  HttpResponse response;
  std::exception_ptr sink_failure;
  // The body being sent: from memory or from a file.
  std::string_view memory_body;
  int file_body = -1;
  std::int64_t sent = 0;
  std::int64_t body_size = 0;
  // For the total timeout.
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  long total_timeout_seconds = 0;
  curl_off_t allowed_seconds = 0;
  bool timed_out = false;
};

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* x = static_cast<Exchange*>(user);
  std::string_view line(data, size * count);
  // Each response of a redirect chain starts with a status line; keep only the last's headers.
  if (line.starts_with("HTTP/")) {
    x->response.headers.clear();
    return line.size();
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return line.size();
  std::string name(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
    value.remove_suffix(1);
  x->response.headers[name] = std::string(value);
  return line.size();
}

std::size_t on_data(char* data, std::size_t size, std::size_t count, void* user) {
  auto* x = static_cast<Exchange*>(user);
  const std::size_t n = size * count;
  long status = 0;
  curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &status);
  if (status >= 200 && status < 300 && x->request.on_body) {
    try {
      x->request.on_body({data, n});
    } catch (...) {
      // An exception must not unwind through libcurl's C frames: keep it, stop the transfer.
      x->sink_failure = std::current_exception();
      return 0;
    }
  } else if (x->response.body.size() < kMaxKeptBody) {
    x->response.body.append(data, std::min(n, kMaxKeptBody - x->response.body.size()));
  }
  return n;
}

std::size_t on_read(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* x = static_cast<Exchange*>(user);
  const auto want = static_cast<std::int64_t>(size * count);
  const std::int64_t n = std::min(want, x->body_size - x->sent);
  if (n <= 0) return 0;
  if (x->file_body >= 0) {
    ssize_t got = ::pread(x->file_body, buffer, static_cast<std::size_t>(n), x->request.body_offset + x->sent);
    if (got <= 0) return CURL_READFUNC_ABORT;
    x->sent += got;
    return static_cast<std::size_t>(got);
  }
  std::memcpy(buffer, x->memory_body.data() + x->sent, static_cast<std::size_t>(n));
  x->sent += n;
  return static_cast<std::size_t>(n);
}

// Rewinds the body when curl must send it again (after a redirect or an auth round).
int on_seek(void* user, curl_off_t offset, int origin) {
  auto* x = static_cast<Exchange*>(user);
  if (origin != SEEK_SET || offset < 0 || offset > x->body_size) return CURL_SEEKFUNC_CANTSEEK;
  x->sent = offset;
  return CURL_SEEKFUNC_OK;
}

// Called by curl at least once a second: ends an exchange that has had all its time.
int on_progress(void* user, curl_off_t download_length, curl_off_t, curl_off_t upload_length, curl_off_t) {
  auto* x = static_cast<Exchange*>(user);
  const bool streamed = x->request.on_body || x->file_body >= 0;
  const curl_off_t length = streamed ? std::max(download_length, upload_length) : 0;
  x->allowed_seconds = x->total_timeout_seconds + length / kSlowestBytesPerSecond;
  x->timed_out = std::chrono::steady_clock::now() - x->start > std::chrono::seconds(x->allowed_seconds);
  return x->timed_out ? 1 : 0;
}

}  // namespace

std::string HttpResponse::header(const std::string& lower_case_name) const {
  auto it = headers.find(lower_case_name);
  return it == headers.end() ? std::string() : it->second;
}

HttpResponse perform(const HttpRequest& request, const TransportOptions& options) {
  CurlEasy handle = make_curl_easy();
  CURL* curl = handle.get();
  Exchange x{curl, request, {}, nullptr};
  x.total_timeout_seconds = options.total_timeout_seconds;

  UniqueFd file;
  const bool sends_body = request.method != "GET" && request.method != "HEAD";
  if (!request.body_file.empty()) {
    file.reset(::open(request.body_file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!file) throw_errno("open `" + request.body_file.string() + "`");
    x.file_body = file.get();
    x.body_size = request.body_length;
  } else {
    x.memory_body = request.body;
    x.body_size = static_cast<std::int64_t>(request.body.size());
  }

  std::vector<std::string> header_lines = request.headers;
  header_lines.push_back("Expect:");  // no 100-continue round trip before each upload
  CurlHeaderList headers(header_lines);
  char error[CURL_ERROR_SIZE] = "";

  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, options.connect_timeout_seconds);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, options.stall_timeout_seconds);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &x);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &x);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &x);
  if (request.follow_redirects) {
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
  }
  if (!options.verify_tls) {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  curl_blob ca{const_cast<char*>(options.ca_bundle_pem.data()), options.ca_bundle_pem.size(),
               CURL_BLOB_NOCOPY};
  if (!options.ca_bundle_pem.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO_BLOB, &ca);
  if (!options.client_cert.empty()) {
    curl_easy_setopt(curl, CURLOPT_SSLCERT, options.client_cert.c_str());
    curl_easy_setopt(curl, CURLOPT_SSLKEY, options.client_key.c_str());
  }

  if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (sends_body) {
    // An upload with the method named explicitly covers POST, PUT and PATCH alike.
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(x.body_size));
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(curl, CURLOPT_READDATA, &x);
    curl_easy_setopt(curl, CURLOPT_SEEKFUNCTION, on_seek);
    curl_easy_setopt(curl, CURLOPT_SEEKDATA, &x);
  }

  const CURLcode rc = curl_easy_perform(curl);
  if (x.sink_failure) std::rethrow_exception(x.sink_failure);
  if (rc != CURLE_OK) {
    std::string why = error[0] ? std::string(error) : curl_easy_strerror(rc);
    if (rc == CURLE_OPERATION_TIMEDOUT) why = "timed out (" + why + ")";
    if (x.timed_out)
      why = "timed out: no whole answer within " + std::to_string(x.allowed_seconds) +
            " s (the server sends too slowly)";
    curl_off_t tls_done = 0;
    curl_easy_getinfo(curl, CURLINFO_APPCONNECT_TIME_T, &tls_done);
    const bool tls_alert = rc == CURLE_SSL_CONNECT_ERROR && why.find(" alert ") != std::string::npos;
    throw TransportError(why, rc == CURLE_PEER_FAILED_VERIFICATION, tls_done > 0 || tls_alert);
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &x.response.status);
  return std::move(x.response);
}

}  // namespace gantry::registry

#include "solver/http_source.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>

#include "base/error.h"
#include "base/unique_fd.h"

namespace gantry::solver {

namespace {

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};

struct Download {
  int fd;
  Sha256 hash;
  bool write_failed = false;
};

std::size_t on_data(char* data, std::size_t size, std::size_t count, void* user) {
  auto* d = static_cast<Download*>(user);
  std::size_t n = size * count;
  d->hash.update(data, n);
  for (std::size_t done = 0; done < n;) {
    ssize_t w = ::write(d->fd, data + done, n - done);
    if (w < 0) {
      d->write_failed = true;
      return 0;  // tells curl to stop
    }
    done += static_cast<std::size_t>(w);
  }
  return n;
}

}  // namespace

FetchedFile fetch_http_source(cache::Store& store, const llb::SourceOp& source) {
  const std::string& url = source.identifier;
  auto filename_it = source.attrs.find("filename");
  std::string filename = filename_it != source.attrs.end() ? filename_it->second : "__unnamed__";
  if (filename.empty() || filename.find('/') != std::string::npos || filename == "." || filename == "..")
    throw Error("ADD " + url + ": invalid file name `" + filename + "`");

  auto staging = store.snapshots().prepare();
  const auto file = staging.fs() / filename;
  UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd) throw_errno("create `" + file.string() + "`");

  static const bool initialised = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  std::unique_ptr<CURL, CurlDeleter> curl(initialised ? curl_easy_init() : nullptr);
  if (!curl) throw Error("ADD " + url + ": cannot initialise libcurl");
  Download download{fd.get(), Sha256()};
  char error[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(curl.get(), CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl.get(), CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT, 30L);
  // Give up on a transfer that stalls (under 1 byte/s for a minute), not on a slow one.
  curl_easy_setopt(curl.get(), CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &download);
  curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  CURLcode rc = curl_easy_perform(curl.get());
  if (download.write_failed) throw_errno("ADD " + url + ": write `" + file.string() + "`");
  if (rc != CURLE_OK)
    throw Error("ADD " + url + ": " + (error[0] ? std::string(error) : curl_easy_strerror(rc)));
  if (::fsync(fd.get()) != 0) throw_errno("fsync `" + file.string() + "`");
  fd.reset();

  Digest content = download.hash.finish();
  if (auto it = source.attrs.find("checksum"); it != source.attrs.end() && !it->second.empty()) {
    Digest want;
    try {
      want = Digest::parse(it->second);
    } catch (const Error&) {
      throw UsageError("ADD --checksum=" + it->second + ": not a sha256:<hex> digest");
    }
    if (want != content)
      throw Error("ADD " + url + ": checksum mismatch: expected " + want.str() + ", got " + content.str());
  }
  return {std::move(staging), content};
}

}  // namespace gantry::solver

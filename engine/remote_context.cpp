#include "engine/remote_context.h"

#include <fcntl.h>
#include <unistd.h>

#include "base/error.h"
#include "base/unique_fd.h"
#include "exporter/libarchive_handle.h"
#include "exporter/tar_extractor.h"
#include "registry/http_transport.h"

namespace gantry::engine {

namespace fs = std::filesystem;

namespace {

// The file the body is downloaded to (and kept as, when it is no archive): BuildKit's name.
constexpr const char* kBodyFile = "context";

// A tar (ustar magic at 257), or a gzip, bzip2, xz or zstd stream.
bool looks_like_archive(std::string_view head) {
  for (std::string_view magic : {std::string_view("\x1f\x8b"), std::string_view("BZh"),
                                 std::string_view("\xfd"
                                                  "7zXZ\0",
                                                  6),
                                 std::string_view("\x28\xb5\x2f\xfd")})
    if (head.starts_with(magic)) return true;
  return head.size() > 262 && head.substr(257, 5) == "ustar";
}

std::string read_head(const fs::path& file, std::size_t size) {
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw_errno("open `" + file.string() + "`");
  std::string head(size, '\0');
  std::size_t got = 0;
  while (got < size) {
    const ssize_t n = ::read(fd.get(), head.data() + got, size - got);
    if (n < 0) throw_errno("read `" + file.string() + "`");
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  head.resize(got);
  return head;
}

void download(const std::string& url, const fs::path& file, std::int64_t max_bytes,
              const std::string& label) {
  UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd) throw_errno("create `" + file.string() + "`");
  std::int64_t received = 0;
  registry::HttpRequest request{.url = url, .follow_redirects = true};
  request.on_body = [&](std::string_view data) {
    received += static_cast<std::int64_t>(data.size());
    if (received > max_bytes)
      throw Error(label + ": larger than " + std::to_string(max_bytes) +
                  " bytes, the most a context may be");
    while (!data.empty()) {
      const ssize_t n = ::write(fd.get(), data.data(), data.size());
      if (n < 0) throw_errno("write `" + file.string() + "`");
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  };
  registry::HttpResponse response;
  try {
    response = registry::perform(request, registry::TransportOptions{});
  } catch (const registry::TransportError& e) {
    throw Error(label + ": " + e.what());
  }
  if (response.status < 200 || response.status > 299)
    throw Error(label + ": the server answered HTTP " + std::to_string(response.status));
}

}  // namespace

bool is_http_url(std::string_view text) {
  return text.starts_with("http://") || text.starts_with("https://");
}

RemoteContext fetch_remote_context(const std::string& url, const fs::path& temp_parent,
                                   std::int64_t max_bytes) {
  const std::string label = "remote context `" + url + "`";
  RemoteContext remote{.dir = TempDir(temp_parent, "gantry-remote-context-")};
  // Downloaded beside the directory it may be unpacked into, and gone with it.
  TempDir spool(temp_parent, "gantry-remote-download-");
  const fs::path body = spool.path() / kBodyFile;
  download(url, body, max_bytes, label);
  if (!looks_like_archive(read_head(body, 512))) {
    fs::rename(body, remote.dir.path() / kBodyFile);
    return remote;
  }
  auto reader = exporter::open_tar_reader(body, label);
  exporter::extract_tar(reader.get(), remote.dir.path(), label);
  remote.unpacked = true;
  return remote;
}

}  // namespace gantry::engine

// Build contexts served over HTTP(S), as docker takes them: `gantry build https://host/ctx.tar.gz`
// and `--build-context NAME=https://...`. The body is downloaded with libcurl (redirects
// followed, at most max_bytes); a tar archive, plain or compressed with gzip, bzip2, xz or zstd
// (told by its bytes, as BuildKit tells one), is unpacked into a temp dir that the
// RemoteContext owns. Any other body is a single file: the Dockerfile of a build whose context
// is that URL (BuildKit's rule: what is not an archive is the Dockerfile), or the file
// `context` of a named context (as BuildKit names it).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "base/file_util.h"

namespace gantry::engine {

// The most a remote context may download: far more than a source tree, far less than a disk.
constexpr std::int64_t kMaxRemoteContextBytes = std::int64_t{4} << 30;

// An http:// or https:// URL.
bool is_http_url(std::string_view text);

struct RemoteContext {
  TempDir dir;
  bool unpacked = false;  // the body was an archive, unpacked in `dir`; else `dir`/context holds it
};

// Throws Error "remote context `URL`: ..." for an unreachable host, an HTTP error status, a body
// over `max_bytes` or a broken archive; nothing is left behind then.
RemoteContext fetch_remote_context(const std::string& url, const std::filesystem::path& temp_parent,
                                   std::int64_t max_bytes = kMaxRemoteContextBytes);

}  // namespace gantry::engine

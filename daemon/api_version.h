// Docker Engine API versions as dockerd negotiates them. A client asks for a version with a
// path prefix (/v1.41/images/json); a path without one means the daemon's own version. The
// daemon answers versions from kMinApiVersion to kApiVersion, and says its version in every
// response's API-Version header, which clients (docker 20.10 and later) negotiate down to.
//
// gantry declares 1.41 (docker 20.10's), the newest whose response shapes it follows; the
// docker 28 client negotiates down to it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace gantry::daemon {

struct ApiVersion {
  int major = 0;
  int minor = 0;

  // "1.41"; nothing when `text` is not MAJOR.MINOR in decimal digits.
  static std::optional<ApiVersion> parse(std::string_view text);
  std::string str() const;
  auto operator<=>(const ApiVersion&) const = default;
};

inline constexpr ApiVersion kApiVersion{1, 41};
inline constexpr ApiVersion kMinApiVersion{1, 24};

struct VersionedPath {
  ApiVersion version;  // asked for, or kApiVersion when the path has no prefix
  std::string path;    // without the prefix: "/images/json"
};

// Splits "/v1.41/images/json". Throws ApiError 404 for a prefix that is not a version (as
// dockerd's router finds no route), 400 with dockerd's message for a version it does not serve.
VersionedPath split_api_version(const std::string& path);

}  // namespace gantry::daemon

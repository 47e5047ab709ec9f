#include "daemon/api_version.h"

#include <charconv>

#include "daemon/api_error.h"

namespace gantry::daemon {

namespace {

std::optional<int> decimal(std::string_view digits) {
  int value = 0;
  if (digits.empty() || digits.size() > 4) return std::nullopt;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<ApiVersion> ApiVersion::parse(std::string_view text) {
  const auto dot = text.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  const auto major = decimal(text.substr(0, dot));
  const auto minor = decimal(text.substr(dot + 1));
  if (!major || !minor) return std::nullopt;
  return ApiVersion{*major, *minor};
}

std::string ApiVersion::str() const { return std::to_string(major) + "." + std::to_string(minor); }

VersionedPath split_api_version(const std::string& path) {
  if (!path.starts_with("/v") || path.size() < 3 || path[2] < '0' || path[2] > '9')
    return {kApiVersion, path};
  const auto slash = path.find('/', 2);
  const std::string text =
      path.substr(2, slash == std::string::npos ? std::string::npos : slash - 2);
  const auto version = ApiVersion::parse(text);
  if (!version)
    throw ApiError(404, "page not found: `" + path + "`: `v" + text + "` is not an API version");
  if (*version > kApiVersion)
    throw ApiError(400, "client version " + text +
                            " is too new. Maximum supported API version is " + kApiVersion.str());
  if (*version < kMinApiVersion)
    throw ApiError(400,
                   "client version " + text + " is too old. Minimum supported API version is " +
                       kMinApiVersion.str() + ", please upgrade your client to a newer version");
  return {*version, slash == std::string::npos ? "/" : path.substr(slash)};
}

}  // namespace gantry::daemon

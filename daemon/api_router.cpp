#include "daemon/api_router.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "daemon/api_error.h"
#include "daemon/api_version.h"

namespace gantry::daemon {

namespace {

// The body no endpoint but /build, /images/load and /images/create reads may be at most this big.
constexpr std::uint64_t kMaxRequestBody = 1 << 20;

bool content_too_long(const HttpRequest& request) {
  const auto length = request.header("content-length");
  if (!length) return false;
  try {
    return std::stoull(*length) > kMaxRequestBody;
  } catch (const std::exception&) {
    throw UsageError("Content-Length `" + *length + "` is not a number");
  }
}

}  // namespace

HttpResponse json_error(int status, const std::string& message) {
  return {.status = status,
          .body = nlohmann::json{{"message", message}}.dump(
              -1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

HttpResponse ApiRouter::handle(HttpRequest& request) {
  HttpResponse response;
  try {
    const VersionedPath versioned = split_api_version(request.path);
    // An import's tarball (POST /images/create?fromSrc=-) is as big as an image.
    const bool big_body = versioned.path == "/build" || versioned.path == "/images/load" ||
                          versioned.path == "/images/create";
    if (!big_body && content_too_long(request))
      throw ApiError(413, "request body of " + request.method + " " + request.path +
                              ": more than " + std::to_string(kMaxRequestBody) + " bytes");
    response = route(request, versioned.path);
  } catch (const ApiError& e) {
    response = json_error(e.status(), e.what());
  } catch (const UsageError& e) {
    response = json_error(400, e.what());
  } catch (const std::exception& e) {
    response = json_error(500, e.what());
  }
  response.headers.emplace_back("API-Version", kApiVersion.str());
  response.headers.emplace_back("Server", "gantry/" + options_.version + " (linux)");
  if (response.status >= 400)
    spdlog::warn("{} {}: {} {}", request.method, request.path, response.status, response.body);
  else
    spdlog::info("{} {}: {}", request.method, request.path, response.status);
  return response;
}

HttpResponse ApiRouter::route(HttpRequest& request, const std::string& path) {
  const std::string& method = request.method;
  const bool get = method == "GET" || method == "HEAD";
  if (get && path == "/_ping") return ping(request);
  if (get && path == "/version") return version(options_);
  if (get && path == "/info") return info(options_);
  if (method == "POST" && path == "/build") return build(options_, builds_, events_, request);
  if (method == "POST" && path == "/build/prune") return prune_build_cache(options_, request);
  if (get && path == "/system/df") return system_df(options_, request);
  if (get && path == "/images/json") return list_images(options_, request);
  if (method == "POST" && path == "/images/load") return load_images(options_, events_, request);
  if (get && path == "/images/get") return save_images(options_, events_, request);
  if (method == "POST" && path == "/images/prune") return prune_images(options_, events_, request);
  if (method == "POST" && path == "/images/create") return create_image(options_, events_, request);
  if (method == "POST" && path == "/auth") return login(options_, request);
  if (get && path == "/events") return events(events_, request);
  if (path.starts_with("/images/")) {
    const std::string rest = path.substr(8);
    // A name may hold slashes (registry/team/app:1): the endpoint is what ends the path.
    auto name_before = [&rest](const std::string& suffix) -> std::optional<std::string> {
      if (!rest.ends_with(suffix) || rest.size() == suffix.size()) return std::nullopt;
      return rest.substr(0, rest.size() - suffix.size());
    };
    if (get)
      if (auto name = name_before("/json")) return inspect_image(options_, request, *name);
    if (get)
      if (auto name = name_before("/history")) return image_history(options_, request, *name);
    if (get)
      if (auto name = name_before("/get")) return save_image(options_, events_, request, *name);
    if (method == "POST")
      if (auto name = name_before("/tag")) return tag_image(options_, events_, request, *name);
    if (method == "POST")
      if (auto name = name_before("/push")) return push_image(options_, events_, request, *name);
    if (method == "DELETE" && !rest.empty()) return remove_image(options_, events_, request, rest);
  }
  // gantry has no networks or volumes: each one asked for is missing, as dockerd says of one it
  // lacks. docker-compose looks its project's network up (before a build, too) and goes on when
  // it is not found.
  if (get && path.starts_with("/networks/") && path.size() > 10)
    return json_error(404, "network " + path.substr(10) + " not found");
  if (get && path.starts_with("/volumes/") && path.size() > 9)
    return json_error(404, "get " + path.substr(9) + ": no such volume");
  return json_error(501, "gantry is a build engine: " + method + " " + path + " is not supported");
}

}  // namespace gantry::daemon

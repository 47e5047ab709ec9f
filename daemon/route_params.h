// What the routes share in reading a request: refusing the parameters an endpoint does not
// implement, by name, reading a boolean as dockerd does, and docker's 404 for an image the
// store does not have (409 for one in use).
#pragma once

#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "daemon/api_error.h"
#include "daemon/http_server.h"
#include "engine/local_images.h"

namespace gantry::daemon {

// Refuses, by name, a query parameter the endpoint does not take, unless its value asks for
// nothing ("", 0, false).
void check_params(const HttpRequest& request, const std::string& endpoint,
                  std::initializer_list<std::string_view> taken);

// dockerd's filters parameter, {"key": {"value": true}} or the older {"key": ["value"]}: each
// key with its values. Empty text or null: none. Throws UsageError naming `endpoint` for text
// that is not such JSON.
std::map<std::string, std::vector<std::string>> filter_values(const std::string& text,
                                                              const std::string& endpoint);

// dockerd's reading of a boolean parameter: anything but "", 0, no, false and none (in any
// case) is true.
bool bool_param(const std::string& value);

// Runs `f`, turning the engine's NoSuchImage into docker's 404 naming `name`, and its
// ImageInUse (an image rmi would take several names from) into docker's 409.
template <typename F>
auto on_image(const std::string& name, F&& f) {
  try {
    return f();
  } catch (const engine::NoSuchImage&) {
    throw ApiError(404, "No such image: " + name);
  } catch (const engine::ImageInUse& e) {
    throw ApiError(409, e.what());
  }
}

}  // namespace gantry::daemon

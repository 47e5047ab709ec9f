// What the routes share in reading a request: refusing the parameters an endpoint does not
// implement, by name, and docker's 404 for an image the store does not have.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include "base/error.h"
#include "daemon/api_error.h"
#include "daemon/http_server.h"

namespace gantry::daemon {

// Refuses, by name, a query parameter the endpoint does not take, unless its value asks for
// nothing ("", 0, false).
void check_params(const HttpRequest& request, const std::string& endpoint,
                  std::initializer_list<std::string_view> taken);

// Runs `f`, turning the engine's "no such image" into docker's 404 naming `name`.
template <typename F>
auto on_image(const std::string& name, F&& f) {
  try {
    return f();
  } catch (const ApiError&) {
    throw;
  } catch (const Error& e) {
    if (std::string(e.what()).ends_with("no such image"))
      throw ApiError(404, "No such image: " + name);
    throw;
  }
}

}  // namespace gantry::daemon

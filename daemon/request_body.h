// A request body too big for memory (a build context, an image archive), written to a file as
// it arrives.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "daemon/http_server.h"

namespace gantry::daemon {

// Writes the body to `path`. Errors name the body as `what` ("build context"): ApiError 413 over
// `max_bytes`, UsageError when the client broke off or sent nothing (`expected` says what it
// should have sent), Error when the file cannot be written.
void spool_body(HttpRequest& request, const std::filesystem::path& path, const std::string& what,
                std::uint64_t max_bytes, const std::string& expected);

}  // namespace gantry::daemon

// The parameters of the endpoints that reach registries, read as dockerd reads them:
//   POST /images/create?fromImage=NAME&tag=TAG[&platform=P]        a pull of NAME:TAG (TAG may be a
//                                                                  digest; NAME may hold the tag)
//   POST /images/create?fromSrc=-&repo=NAME[&tag=][&message=][&changes=...][&platform=]
//                                                                  an import of the request body
//   POST /images/{name}/push?tag=TAG                               a push of name:TAG, or of every
//                                                                  tag of name without one
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/image_ref.h"
#include "base/platform.h"
#include "daemon/http_server.h"

namespace gantry::daemon {

struct PullParams {
  ImageRef image;
  std::string platform;  // empty: the host's
};

struct ImportParams {
  std::optional<std::string> name;
  std::string message;
  std::vector<std::string> changes;
  std::optional<Platform> platform;
};

// Throws UsageError naming the parameter at fault: neither or both of fromImage and fromSrc, a
// fromSrc other than `-` (a URL), import parameters given to a pull, a pull of every tag (no tag
// given), a malformed name or platform.
std::variant<PullParams, ImportParams> parse_image_create_params(const HttpRequest& request);

// The image a push sends: `name` with `tag` (a tag `name` has is kept when `tag` is empty); nothing
// when neither has one: every tag of the repository is pushed. Throws UsageError for a bad name.
std::optional<ImageRef> push_reference(const std::string& name, const std::string& tag);

}  // namespace gantry::daemon

#include "daemon/registry_params.h"

#include "base/error.h"
#include "daemon/route_params.h"

namespace gantry::daemon {

namespace {

// NAME with TAG, which may be a digest; the name's own tag or digest gives way to it. Whether a
// tag or digest was given at all is `tagged`.
ImageRef with_tag(const std::string& name, const std::string& tag, bool& tagged) {
  const bool name_tagged = [&name] {
    const auto slash = name.rfind('/');
    const auto last = name.substr(slash == std::string::npos ? 0 : slash + 1);
    return last.find(':') != std::string::npos || name.find('@') != std::string::npos;
  }();
  ImageRef ref = ImageRef::parse(name);
  tagged = name_tagged || !tag.empty();
  if (tag.empty()) return ref;
  if (tag.starts_with("sha256:")) {
    ref =
        ImageRef::parse(ImageRef{ref.registry, ref.path, "", std::nullopt}.familiar() + "@" + tag);
  } else {
    ref.digest.reset();
    ref.tag = tag;
    ImageRef::parse(ref.familiar());  // a malformed tag is named
  }
  return ref;
}

}  // namespace

std::variant<PullParams, ImportParams> parse_image_create_params(const HttpRequest& request) {
  const std::string endpoint = "POST /images/create";
  check_params(request, endpoint,
               {"fromImage", "fromSrc", "tag", "repo", "message", "changes", "platform"});
  const std::string from_image = request.param("fromImage").value_or("");
  const std::string from_src = request.param("fromSrc").value_or("");
  const std::string tag = request.param("tag").value_or("");
  const std::string platform = request.param("platform").value_or("");
  if (from_image.empty() == from_src.empty())
    throw UsageError(endpoint + ": give one of fromImage (a pull) and fromSrc (an import)");
  if (!from_image.empty()) {
    for (const char* import_only : {"repo", "message", "changes"})
      if (!request.param(import_only).value_or("").empty())
        throw UsageError(endpoint + ": `" + import_only +
                         "` is for an import (fromSrc), not a pull");
    bool tagged = false;
    PullParams pull{.image = with_tag(from_image, tag, tagged), .platform = platform};
    if (!tagged)
      throw UsageError(endpoint + ": a pull of every tag of `" + from_image +
                       "` (docker pull --all-tags) is not supported; name a tag");
    if (!platform.empty()) Platform::parse(platform);  // a malformed one is named now
    return pull;
  }
  if (from_src != "-")
    throw UsageError(endpoint + ": fromSrc `" + from_src +
                     "`: gantry imports only the request body (fromSrc=-), not a URL");
  ImportParams import{.message = request.param("message").value_or(""),
                      .changes = request.params("changes")};
  if (const std::string repo = request.param("repo").value_or(""); !repo.empty()) {
    bool tagged = false;
    import.name = with_tag(repo, tag, tagged).familiar();
  } else if (!tag.empty()) {
    throw UsageError(endpoint + ": tag `" + tag + "` without repo");
  }
  if (!platform.empty()) import.platform = Platform::parse(platform);
  return import;
}

std::optional<ImageRef> push_reference(const std::string& name, const std::string& tag) {
  bool tagged = false;
  ImageRef ref = with_tag(name, tag, tagged);
  if (!tagged) return std::nullopt;
  return ref;
}

}  // namespace gantry::daemon

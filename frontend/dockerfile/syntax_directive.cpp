#include "frontend/dockerfile/syntax_directive.h"

#include "base/error.h"
#include "base/image_ref.h"

namespace gantry::frontend {

bool names_docker_dockerfile(std::string_view image) {
  // Cut at '@': a directive's digest is not checked here, and a malformed one must not hide the name.
  ImageRef ref;
  try {
    ref = ImageRef::parse(image.substr(0, image.find('@')));
  } catch (const Error&) {
    return false;  // no image name at all: certainly not docker/dockerfile
  }
  return ref.registry == "docker.io" && (ref.path == "docker/dockerfile" || ref.path == "docker/dockerfile-upstream");
}

}  // namespace gantry::frontend

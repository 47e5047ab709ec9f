#include "frontend/dockerfile/syntax_directive.h"

#include <string>

namespace gantry::frontend {

bool names_docker_dockerfile(std::string_view image) {
  std::string_view name = image.substr(0, image.find_first_of(":@"));
  for (std::string_view registry : {"docker.io/", "index.docker.io/", "registry-1.docker.io/"})
    if (name.starts_with(registry)) name.remove_prefix(registry.size());
  return name == "docker/dockerfile" || name == "docker/dockerfile-upstream";
}

}  // namespace gantry::frontend

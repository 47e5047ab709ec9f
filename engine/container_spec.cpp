#include "engine/container_spec.h"

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "engine/local_images.h"
#include "engine/store_images.h"
#include "exporter/image.h"

namespace gantry::engine {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::vector<std::string> strings_of(const json& j) {
  std::vector<std::string> out;
  if (j.is_array())
    for (const auto& s : j) out.push_back(s.get<std::string>());
  return out;
}

}  // namespace

Container prepare_container(cache::Store& store, const ContainerRequest& request) {
  const auto image =
      exporter::read_image(store.content(), find_image(store, request.image), request.platform.value_or(host_platform()));
  const std::optional<Platform> image_platform = Platform::from_json(image.config_json);
  if (request.platform && image_platform && !PlatformMatcher(*request.platform).matches(*image_platform))
    throw Error("image `" + request.image + "` is for " + image_platform->str() + ", not " + request.platform->str() +
                " (--platform)");
  StoreImageProvider images(store);
  const auto layers = images.layers("docker-image://" + request.image + "@" + image.manifest.str());
  const json cfg = image.config_json.value("config", json::object());

  Container c{.scratch = store.scratch_dir()};
  executor::RunSpec& spec = c.spec;
  for (auto it = layers.rbegin(); it != layers.rend(); ++it) spec.rootfs.lower_dirs.push_back(store.snapshots().dir(*it));
  fs::create_directory(c.scratch.path() / "upper");
  fs::create_directory(c.scratch.path() / "work");
  spec.rootfs.upper_dir = c.scratch.path() / "upper";
  spec.rootfs.work_dir = c.scratch.path() / "work";

  if (request.entrypoint) {
    if (!request.entrypoint->empty()) spec.process.args = {*request.entrypoint};
  } else {
    spec.process.args = strings_of(cfg.value("Entrypoint", json()));
  }
  // As docker: an entrypoint of the run's own drops the image's Cmd, which was meant for the
  // image's entrypoint; clearing the entrypoint keeps it.
  const bool own_entrypoint = request.entrypoint && !request.entrypoint->empty();
  const auto cmd = !request.command.empty() || own_entrypoint ? request.command
                                                              : strings_of(cfg.value("Cmd", json()));
  spec.process.args.insert(spec.process.args.end(), cmd.begin(), cmd.end());
  if (spec.process.args.empty())
    throw UsageError("image `" + request.image + "` has no command: give one after the image name");
  spec.process.env = strings_of(cfg.value("Env", json()));
  spec.process.env.insert(spec.process.env.end(), request.env.begin(), request.env.end());
  spec.process.cwd = !request.workdir.empty() ? request.workdir : cfg.value("WorkingDir", std::string("/"));
  if (spec.process.cwd.empty()) spec.process.cwd = "/";
  spec.process.user = !request.user.empty() ? request.user : cfg.value("User", std::string());
  spec.process.network = request.network;
  for (const auto& m : request.mounts) spec.mounts.emplace_back(m);
  spec.limits = request.limits;
  if (!request.hostname.empty()) spec.process.hostname = request.hostname;
  spec.process.extra_hosts = request.extra_hosts;
  spec.ulimits = request.ulimits;
  spec.shm_bytes = request.shm_bytes;
  spec.capabilities = request.capabilities;
  spec.privileged = request.privileged;
  spec.readonly_root = request.readonly_root;
  spec.init = request.init;
  spec.stdio = request.stdio;
  spec.security = request.security;
  spec.platform = image_platform ? image_platform : request.platform;
  return c;
}

}  // namespace gantry::engine

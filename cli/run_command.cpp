// `gantry run --rm IMAGE [CMD...]`: runs a container from an image with the executor, its
// writes thrown away afterwards.
#include <unistd.h>

#include <iostream>
#include <memory>

#include "base/error.h"
#include "base/file_util.h"
#include "base/image_ref.h"
#include "cache/store.h"
#include "cli/command.h"
#include "cli/limit_flags.h"
#include "cli/store_images.h"
#include "executor/executor.h"
#include "exporter/image.h"

namespace gantry::cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct RunFlags {
  bool rm = false;
  std::vector<std::string> env;
  std::vector<std::string> volumes;
  std::string network = "default";
  std::string workdir;
  std::string user;
  LimitFlags limits;
  std::vector<std::string> args;  // IMAGE [CMD...]
};

std::vector<std::string> strings_of(const json& j) {
  std::vector<std::string> out;
  if (j.is_array())
    for (const auto& s : j) out.push_back(s.get<std::string>());
  return out;
}

executor::BindMount parse_volume(const std::string& spec) {
  auto first = spec.find(':');
  if (first == std::string::npos || first == 0)
    throw UsageError("invalid -v `" + spec + "`: want HOST:CONTAINER[:ro]");
  std::string host = spec.substr(0, first), rest = spec.substr(first + 1);
  bool ro = false;
  if (rest.ends_with(":ro")) {
    ro = true;
    rest.resize(rest.size() - 3);
  } else if (rest.ends_with(":rw")) {
    rest.resize(rest.size() - 3);
  }
  if (rest.empty() || rest[0] != '/') throw UsageError("invalid -v `" + spec + "`: the container path must be absolute");
  if (!fs::exists(host)) throw Error("-v `" + spec + "`: `" + host + "` does not exist");
  return {fs::absolute(host), rest, ro};
}

int run_container(const GlobalOptions& global, const RunFlags& f) {
  cache::Store store(global.state_root());
  auto info = resolve_local_image(store, f.args.at(0));
  StoreImageProvider images(store);
  auto layers = images.layers("docker-image://" + info.ref + "@" + info.manifest_digest.str());
  const json cfg = info.config.value("config", json::object());

  executor::RunSpec spec;
  for (auto it = layers.rbegin(); it != layers.rend(); ++it) spec.rootfs.lower_dirs.push_back(store.snapshots().dir(*it));
  TempDir scratch = store.scratch_dir();
  fs::create_directory(scratch.path() / "upper");
  fs::create_directory(scratch.path() / "work");
  spec.rootfs.upper_dir = scratch.path() / "upper";
  spec.rootfs.work_dir = scratch.path() / "work";

  auto entrypoint = strings_of(cfg.value("Entrypoint", json()));
  std::vector<std::string> cmd(f.args.begin() + 1, f.args.end());
  if (cmd.empty()) cmd = strings_of(cfg.value("Cmd", json()));
  spec.process.args = entrypoint;
  spec.process.args.insert(spec.process.args.end(), cmd.begin(), cmd.end());
  if (spec.process.args.empty()) throw UsageError("image `" + f.args[0] + "` has no command: give one after the image name");
  spec.process.env = strings_of(cfg.value("Env", json()));
  for (const auto& e : f.env) {
    std::string kv = e.find('=') == std::string::npos ? e + "=" + (std::getenv(e.c_str()) ? std::getenv(e.c_str()) : "") : e;
    spec.process.env.push_back(kv);
  }
  spec.process.cwd = !f.workdir.empty() ? f.workdir : cfg.value("WorkingDir", std::string("/"));
  if (spec.process.cwd.empty()) spec.process.cwd = "/";
  spec.process.user = !f.user.empty() ? f.user : cfg.value("User", std::string());
  spec.process.network = f.network == "host"   ? executor::Network::Host
                         : f.network == "none" ? executor::Network::None
                                               : executor::Network::Private;
  for (const auto& v : f.volumes) spec.mounts.emplace_back(parse_volume(v));
  spec.limits = parse_limits(f.limits);

  executor::Executor executor(store.root() / "executor");
  warn_unenforced(executor, f.limits, spec.limits);
  auto result = executor.run(spec, [](executor::Stream s, std::string_view line) {
    auto& out = s == executor::Stream::Stdout ? std::cout : std::cerr;
    out << line << '\n';
    out.flush();
  });
  return result.exit_code;
}

}  // namespace

void add_run_command(CLI::App& app, GlobalOptions& global, Action& action) {
  auto f = std::make_shared<RunFlags>();
  auto* cmd = app.add_subcommand("run", "Run a command in a new container from an image");
  cmd->add_flag("--rm", f->rm, "Remove the container when it exits (always: containers are not kept)");
  cmd->add_option("-e,--env", f->env, "Set an environment variable (KEY=VALUE or KEY)")
      ->allow_extra_args(false);
  cmd->add_option("-v,--volume", f->volumes, "Bind mount HOST:CONTAINER[:ro]")
      ->allow_extra_args(false);
  cmd->add_option("--network", f->network,
                  "default (bridge: a private network with outbound access), host or none")
      ->check(CLI::IsMember({"default", "bridge", "host", "none"}));
  cmd->add_option("-w,--workdir", f->workdir, "Working directory inside the container");
  cmd->add_option("-u,--user", f->user, "User (name|uid[:group|gid])");
  add_limit_flags(*cmd, f->limits);
  cmd->add_option("IMAGE", f->args, "IMAGE [COMMAND [ARG...]]")->required();
  cmd->prefix_command();  // everything after the image belongs to the container's command
  cmd->callback([&global, &action, f] { action = [&global, f] { return run_container(global, *f); }; });
}

}  // namespace gantry::cli

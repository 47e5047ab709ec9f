// `gantry run`'s container: what an image's config (Entrypoint, Cmd, Env, WorkingDir, User)
// and the run's own settings make of a RunSpec, over the image's layers unpacked in the store
// and a scratch upper layer that is thrown away with the Container.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/file_util.h"
#include "base/platform.h"
#include "cache/store.h"
#include "executor/executor.h"

namespace gantry::engine {

struct ContainerRequest {
  std::string image;                 // an image of the local store: a name or an id (find_image)
  // The platform whose image to run (of an index), which the image must be for; none: the
  // host's of an index, else whatever the image is for. Programs of another platform than the
  // host's run under emulation (executor/platform_support.h).
  std::optional<Platform> platform;
  std::vector<std::string> command;  // replaces the image's Cmd when not empty
  std::vector<std::string> env;      // KEY=VALUE, after the image's Env
  std::vector<executor::MountSpec> mounts;
  std::string workdir;  // "" = the image's WorkingDir
  std::string user;     // "" = the image's User
  executor::Network network = executor::Network::Private;
  executor::Limits limits;
  // docker run --entrypoint: replaces the image's Entrypoint and drops its Cmd (the command
  // follows it); an empty one leaves no entrypoint (the command, or else the image's Cmd).
  std::optional<std::string> entrypoint;
  std::string hostname;  // "" = the executor's
  std::vector<executor::HostEntry> extra_hosts;
  std::vector<executor::Ulimit> ulimits;
  std::int64_t shm_bytes = executor::kDefaultShmBytes;
  std::optional<std::uint64_t> capabilities;  // none: Docker's default set
  bool privileged = false;
  bool readonly_root = false;
  bool init = false;
  executor::Stdio stdio;
  executor::SecurityOptions security;
};

struct Container {
  executor::RunSpec spec;
  TempDir scratch;  // holds the upper and work directories of spec.rootfs
};

// Throws Error naming the image when the store lacks it or has it for another platform than the
// one asked for, UsageError when the image has no command and the request gives none.
Container prepare_container(cache::Store& store, const ContainerRequest& request);

}  // namespace gantry::engine

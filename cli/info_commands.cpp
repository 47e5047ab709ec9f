// `gantry version` and `gantry info`: what this binary is, and what its store and host are.
#include <sys/utsname.h>

#include <cstdio>
#include <memory>
#include <thread>

#include "base/platform.h"
#include "base/quantities.h"
#include "cache/garbage_collector.h"
#include "cache/store.h"
#include "cli/command.h"
#include "cli/command_needs.h"
#include "executor/platform_support.h"

namespace gantry::cli {

namespace {

int run_version() {
  utsname u{};
  uname(&u);
  std::printf("gantry:\n");
  std::printf(" Version:     %s\n", GANTRY_VERSION);
  std::printf(" Compiler:    %s\n", __VERSION__);
  std::printf(" Built:       %s\n", GANTRY_BUILD_TYPE);
  std::printf(" OS/Arch:     %s\n", host_platform().str().c_str());
  std::printf(" Kernel:      %s %s\n", u.sysname, u.release);
  return 0;
}

// The snapshotter a build uses, and as a normal user why: overlayfs mounted in gantry's user
// namespace, which the kernel may refuse (before 5.11, or where a sysctl forbids it).
std::string storage_driver(const GlobalOptions& global, const cache::Store& store) {
  if (!global.rootless) return "overlayfs";
  const TempDir probe = store.scratch_dir();
  const std::string refusal = executor::overlay_refusal_in_user_namespace(probe.path());
  if (refusal.empty()) return "overlayfs (userxattr, in a user namespace: the kernel allows it)";
  return "none: the kernel refuses overlayfs in a user namespace (" + refusal +
         "), and gantry has no fuse-overlayfs or copying snapshotter yet: builds fail";
}

// The ids a normal user's build maps, and from where.
std::string id_map_summary(const executor::RootlessUser& user) {
  const executor::IdMapPlan plan = executor::plan_id_map(user);
  if (!plan.uids) {
    return "only uid 0 (no range for `" + user.name +
           "` in /etc/subuid and /etc/subgid: files of other owners "
           "cannot be made)";
  }
  return "container ids 0-" + std::to_string(executor::kMappedIds - 1) + " (0 is `" + user.name +
         "`, 1-" + std::to_string(executor::kMappedIds - 1) + " its ranges from uid " +
         std::to_string(plan.uids->first) + " and gid " + std::to_string(plan.gids->first) + ")";
}

int run_info(const GlobalOptions& global) {
  cache::Store store(global.state_root());
  const auto usage = cache::disk_usage(store);
  utsname u{};
  uname(&u);
  std::printf("Root Dir:          %s\n", store.root().c_str());
  std::printf("Images:            %zu\n", store.images().list().size());
  std::printf("Build Cache:       %s (%d records)\n", human_size(usage.build_cache).c_str(), usage.build_cache_records);
  std::printf("GC Cap:            %s\n", human_size(cache::default_gc_cap(store.root())).c_str());
  std::printf("Storage Driver:    %s\n", storage_driver(global, store).c_str());
  if (global.rootless) {
    std::printf("User Namespace:    %s\n", id_map_summary(rootless_user()).c_str());
    std::printf("Cgroups:           none: %s\n", executor::kNoCgroupsNote);
  }
  std::printf("Platform:          %s\n", host_platform().str().c_str());
  // What --platform may name: the host's, and those whose programs QEMU runs (scripts/binfmt.sh).
  std::string platforms;
  for (const Platform& p : executor::PlatformSupport::of_host().platforms())
    platforms += (platforms.empty() ? "" : ", ") + p.str();
  std::printf("Platforms:         %s\n", platforms.c_str());
  std::printf("Kernel Version:    %s\n", u.release);
  std::printf("CPUs:              %u\n", std::thread::hardware_concurrency());
  std::printf("Gantry Version:    %s\n", GANTRY_VERSION);
  std::string sources;
  for (const auto& f : global.config.sources) sources += (sources.empty() ? "" : ", ") + f.string();
  std::printf("Config Files:      %s\n", sources.empty() ? "(none)" : sources.c_str());
  return 0;
}

}  // namespace

void add_info_commands(CLI::App& app, GlobalOptions& global, Action& action) {
  auto* version = app.add_subcommand("version", "Show the gantry version");
  version->callback([&action] { action = [] { return run_version(); }; });
  auto* info = app.add_subcommand("info", "Show the store's location and use, and the host");
  info->callback([&global, &action] { action = [&global] { return run_info(global); }; });
}

}  // namespace gantry::cli

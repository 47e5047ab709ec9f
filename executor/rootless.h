// A normal user's gantry: before it mounts anything, it moves into a user namespace of its own
// where it is uid and gid 0 with every capability over what the namespace owns (its mounts, and
// the PID, IPC, UTS and network namespaces each RUN gets). With a range in /etc/subuid and
// /etc/subgid (uidmap's setuid newuidmap and newgidmap write the maps), container ids 1..N map
// to it, so images with many owners build; without one, only id 0 maps (to the user), and files
// of other owners cannot be made. On disk the store's trees are owned by the mapped host ids;
// read back through the same namespace, they show the container's ids, which is what layers
// carry.
//
//   UserNamespace ns = enter_user_namespace(user);   // single-threaded, before any mount
//   if (!ns.subordinate_ids) warn(ns.limitation());
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace gantry::executor {

// A range of host ids a user may map: `count` ids from `first`.
struct IdRange {
  std::uint32_t first = 0, count = 0;
};

// The first range `user` (or its uid, as the file may name it) has in /etc/subuid or
// /etc/subgid `file`; none when the file or the entry is missing. Throws Error naming the file
// and line for an entry that is not NAME:FIRST:COUNT.
std::optional<IdRange> subordinate_range(const std::filesystem::path& file, const std::string& user,
                                         unsigned id);

// How many container ids a full map gives: 0 (the user) and 1..65535, enough for the ids
// images use (nobody is 65534).
inline constexpr std::uint32_t kMappedIds = 65536;

struct RootlessUser {
  std::string name;  // the login name, as /etc/subuid names it
  uid_t uid = 0;
  gid_t gid = 0;
  std::filesystem::path subuid_file = "/etc/subuid", subgid_file = "/etc/subgid";
};

struct UserNamespace {
  bool subordinate_ids = false;  // container ids 1..kMappedIds-1 are mapped, not only 0
  // What a build cannot do in this namespace, one line, for the user: empty with subordinate ids.
  std::string limitation;
};

// Throws Error naming `tool` (newuidmap or newgidmap) when it cannot write another process's
// map: neither setuid root nor given file capabilities. `ranges` is the file it would map.
void check_can_map_ids(const std::filesystem::path& tool, const std::filesystem::path& ranges);

// What a normal user's gantry would map: the ranges of `user` in its files (none without), as
// enter_user_namespace checks them. Throws the same errors it throws for the files.
struct IdMapPlan {
  std::optional<IdRange> uids, gids;
};
IdMapPlan plan_id_map(const RootlessUser& user);

// Why overlayfs cannot be mounted in a user namespace on this host, tried in a child process
// in one of its own on directories made in `scratch` (the store's filesystem); "" when it can.
std::string overlay_refusal_in_user_namespace(const std::filesystem::path& scratch);

// In a user namespace the Executor makes no cgroups (the host's are not the user's to divide;
// delegated cgroup v2 subtrees are not used yet): what a build or run there is told once.
inline constexpr const char* kNoCgroupsNote =
    "RUN steps run in no cgroup of their own in a user namespace: without the default pids limit, "
    "and without memory, CPU and pids limits";

// Moves the calling process, which must have a single thread, into a new user namespace and
// becomes its uid and gid 0. Throws Error with a one-line cause: user namespaces disabled
// (user.max_user_namespaces=0, or refused by the kernel), newuidmap or newgidmap missing or not
// setuid, a subordinate range smaller than kMappedIds - 1, or the map refused.
UserNamespace enter_user_namespace(const RootlessUser& user);

}  // namespace gantry::executor

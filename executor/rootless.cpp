#include "executor/rootless.h"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "base/child_process.h"
#include "base/error.h"
#include "base/file_util.h"
#include "executor/root_filesystem.h"

namespace gantry::executor {

namespace fs = std::filesystem;

std::optional<IdRange> subordinate_range(const fs::path& file, const std::string& user,
                                         unsigned id) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty() || line.front() == '#') continue;
    std::istringstream fields(line);
    std::string name, first, count;
    if (!std::getline(fields, name, ':') || !std::getline(fields, first, ':') ||
        !std::getline(fields, count)) {
      throw Error("`" + file.string() + "` line " + std::to_string(number) +
                  ": not NAME:FIRST:COUNT");
    }
    if (name != user && name != std::to_string(id)) continue;
    try {
      return IdRange{static_cast<std::uint32_t>(std::stoul(first)),
                     static_cast<std::uint32_t>(std::stoul(count))};
    } catch (const std::exception&) {
      throw Error("`" + file.string() + "` line " + std::to_string(number) +
                  ": FIRST and COUNT must be numbers");
    }
  }
  return std::nullopt;
}

namespace {

void check_user_namespaces_allowed() {
  std::ifstream sysctl("/proc/sys/user/max_user_namespaces");
  long max = -1;
  if (sysctl >> max && max == 0) {
    throw Error(
        "user namespaces are disabled (sysctl user.max_user_namespaces=0): a normal user's gantry "
        "builds in one; ask root to raise it, or run gantry as root");
  }
}

// newuidmap or newgidmap, which must be able to write another process's map: setuid root, or
// (as some distributions ship it) given cap_setuid/cap_setgid as a file capability.
fs::path mapping_tool(const std::string& name, const fs::path& ranges) {
  const fs::path tool =
      find_program(name, "map the ids of `" + ranges.string() + "`", "Debian package uidmap");
  check_can_map_ids(tool, ranges);
  return tool;
}

std::optional<IdRange> checked_range(const fs::path& file, const RootlessUser& user, unsigned id) {
  std::optional<IdRange> range = subordinate_range(file, user.name, id);
  if (range && range->count < kMappedIds - 1) {
    throw Error("`" + file.string() + "`: `" + user.name + "` has " + std::to_string(range->count) +
                " ids from " + std::to_string(range->first) + ", fewer than the " +
                std::to_string(kMappedIds - 1) + " gantry maps (container ids 1-" +
                std::to_string(kMappedIds - 1) + ")");
  }
  return range;
}

void unshare_user_namespace() {
  if (::unshare(CLONE_NEWUSER) == 0) return;
  const int error = errno;
  if (error == EINVAL)
    throw Error("create a user namespace: gantry already runs more than one thread");
  throw Error(std::string("create a user namespace: ") + std::strerror(error) +
              " (the kernel refuses unprivileged user namespaces here: a sysctl such as "
              "kernel.apparmor_restrict_unprivileged_userns, or a seccomp filter of the container "
              "gantry runs in)");
}

void write_proc_file(const char* file, const std::string& text) {
  UniqueFd fd(::open(file, O_WRONLY | O_CLOEXEC));
  if (!fd || ::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    throw_errno(std::string("write `") + file + "`");
  }
}

// In a child forked before the unshare, so still outside the namespace: once told to, runs
// `first` and then `second` (newuidmap and newgidmap) on the parent, stderr to `err`.
[[noreturn]] void run_map_tools(int go, int err, const std::vector<std::string>& first,
                                const std::vector<std::string>& second) {
  char byte = 0;
  ssize_t n;
  while ((n = ::read(go, &byte, 1)) < 0 && errno == EINTR) {
  }
  if (n != 1) ::_exit(100);  // the unshare failed: nothing to map
  try {
    for (const auto* argv : {&first, &second}) {
      Child tool(spawn_program((*argv)[0], *argv, {}, STDIN_FILENO, err, err, "map ids"));
      if (tool.wait() != 0) ::_exit(argv == &first ? 1 : 2);
    }
  } catch (const std::exception& e) {
    const std::string line = std::string(e.what()) + "\n";
    [[maybe_unused]] ssize_t ignored = ::write(err, line.data(), line.size());
    ::_exit(3);
  }
  ::_exit(0);
}

std::vector<std::string> map_command(const fs::path& tool, pid_t pid, unsigned own, IdRange range) {
  return {tool.string(),
          std::to_string(pid),
          "0",
          std::to_string(own),
          "1",
          "1",
          std::to_string(range.first),
          std::to_string(kMappedIds - 1)};
}

std::string read_all(int fd) {
  std::string text;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0 || (n < 0 && errno == EINTR)) {
    if (n > 0) text.append(buffer, static_cast<std::size_t>(n));
  }
  while (!text.empty() && text.back() == '\n') text.pop_back();
  if (const auto newline = text.rfind('\n'); newline != std::string::npos)
    text.erase(0, newline + 1);
  return text;
}

void map_subordinate_ids(const RootlessUser& user, IdRange uids, IdRange gids) {
  const std::vector<std::string> uid_map =
      map_command(mapping_tool("newuidmap", user.subuid_file), ::getpid(), user.uid, uids);
  const std::vector<std::string> gid_map =
      map_command(mapping_tool("newgidmap", user.subgid_file), ::getpid(), user.gid, gids);
  Pipe go = make_pipe("map ids"), err = make_pipe("map ids");
  const pid_t helper = ::fork();
  if (helper < 0) throw_errno("fork to map ids");
  if (helper == 0) {
    go.write.reset();
    run_map_tools(go.read.get(), err.write.get(), uid_map, gid_map);
  }
  Child mapper(helper);
  go.read.reset();
  err.write.reset();
  unshare_user_namespace();  // on a throw, the helper reads EOF and ends
  if (::write(go.write.get(), "1", 1) != 1) throw_errno("start the id mapping");
  go.write.reset();
  const std::string said = read_all(err.read.get());
  const int status = mapper.wait();
  if (status != 0) {
    const std::string& tool = status == 2 ? gid_map[0] : uid_map[0];
    const fs::path& ranges = status == 2 ? user.subgid_file : user.subuid_file;
    throw Error("map `" + user.name + "`'s range in `" + ranges.string() + "` with `" + tool +
                "`: " + (said.empty() ? "exit status " + std::to_string(status) : said));
  }
  // The user's supplementary groups show as the overflow gid in here: keep none.
  if (::setgroups(0, nullptr) != 0) throw_errno("drop supplementary groups in the user namespace");
}

void map_own_ids(const RootlessUser& user) {
  unshare_user_namespace();
  // An unprivileged process may map its own ids, once it gives up setgroups.
  write_proc_file("/proc/self/setgroups", "deny");
  write_proc_file("/proc/self/uid_map", "0 " + std::to_string(user.uid) + " 1\n");
  write_proc_file("/proc/self/gid_map", "0 " + std::to_string(user.gid) + " 1\n");
}

}  // namespace

void check_can_map_ids(const fs::path& tool, const fs::path& ranges) {
  struct stat st;
  if (::stat(tool.c_str(), &st) != 0) throw_errno("stat `" + tool.string() + "`");
  const bool setuid_root = (st.st_mode & S_ISUID) && st.st_uid == 0;
  const bool file_capabilities = ::getxattr(tool.c_str(), "security.capability", nullptr, 0) > 0;
  if (!setuid_root && !file_capabilities) {
    throw Error("`" + tool.string() +
                "`: not setuid root (nor given file capabilities), so it cannot map the ids of `" +
                ranges.string() + "`; reinstall uidmap or run chmod u+s on it");
  }
}

IdMapPlan plan_id_map(const RootlessUser& user) {
  IdMapPlan plan{checked_range(user.subuid_file, user, user.uid),
                 checked_range(user.subgid_file, user, user.gid)};
  if (plan.uids.has_value() != plan.gids.has_value()) {
    const fs::path& missing = plan.uids ? user.subgid_file : user.subuid_file;
    const fs::path& present = plan.uids ? user.subuid_file : user.subgid_file;
    throw Error("`" + missing.string() + "`: no range for `" + user.name + "`, while `" +
                present.string() + "` has one; give it both");
  }
  return plan;
}

std::string overlay_refusal_in_user_namespace(const fs::path& scratch) {
  for (const char* dir : {"lower1", "lower2", "upper", "work"})
    fs::create_directories(scratch / dir);
  Pipe said = make_pipe("probe overlayfs in a user namespace");
  const uid_t uid = ::getuid();
  const gid_t gid = ::getgid();
  const pid_t child = ::fork();
  if (child < 0) throw_errno("fork to probe overlayfs in a user namespace");
  if (child == 0) {
    said.read.reset();
    std::string refusal;
    try {
      if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) throw_errno("create a user namespace");
      write_proc_file("/proc/self/setgroups", "deny");
      write_proc_file("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1\n");
      write_proc_file("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1\n");
      new_overlay({scratch / "lower1", scratch / "lower2"}, scratch / "upper", scratch / "work",
                  {});
    } catch (const std::exception& e) {
      refusal = e.what();
    }
    [[maybe_unused]] ssize_t ignored = ::write(said.write.get(), refusal.data(), refusal.size());
    ::_exit(0);
  }
  Child prober(child);
  said.write.reset();
  std::string refusal = read_all(said.read.get());
  prober.wait();
  return refusal;
}

UserNamespace enter_user_namespace(const RootlessUser& user) {
  check_user_namespaces_allowed();
  const auto [uids, gids] = plan_id_map(user);
  if (uids) {
    map_subordinate_ids(user, *uids, *gids);
    return {.subordinate_ids = true, .limitation = {}};
  }
  map_own_ids(user);
  return {.subordinate_ids = false,
          .limitation = "`" + user.name + "` has no range in `" + user.subuid_file.string() +
                        "` and `" + user.subgid_file.string() +
                        "`: only uid 0 is mapped, so files owned by other uids "
                        "cannot be created"};
}

}  // namespace gantry::executor

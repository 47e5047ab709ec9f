#include "executor/sandbox_cgroup.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

#include "base/error.h"
#include "base/file_util.h"
#include "executor/device_rules.h"

namespace gantry::executor {
namespace {

namespace fs = std::filesystem;

// Which controllers a parent cgroup has for its runs.
struct SandboxParentControllers {
  bool memory = false, pids = false, cpu = false, cpuset = false, swap_accounting = false;
};

constexpr std::string_view kPrefix = "gantry-";

// Writes `text` to a cgroup file; returns 0 or errno.
int try_write(const fs::path& file, std::string_view text) {
  UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return errno;
  return ::write(fd.get(), text.data(), text.size()) < 0 ? errno : 0;
}

void write_setting(const fs::path& file, std::string_view text) {
  if (const int err = try_write(file, text)) {
    throw errno_error("write `" + std::string(text) + "` to `" + file.string() + "`", err);
  }
}

void make_dir(const fs::path& dir) {
  if (::mkdir(dir.c_str(), 0755) != 0) throw_errno("create cgroup `" + dir.string() + "`");
}

UniqueFd open_procs(const fs::path& dir) {
  UniqueFd procs(::open((dir / "cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC));
  if (!procs) throw_errno("open `" + (dir / "cgroup.procs").string() + "`");
  return procs;
}

// The value of `key` in a cgroup file of "key value" lines (pids.events, memory.events, ...).
std::int64_t counter(const fs::path& file, std::string_view key) {
  std::string text;
  try {
    text = read_file(file);
  } catch (const Error&) {
    return 0;  // the kernel has no such counter: nothing was counted
  }
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string_view line(text.data() + start, end - start);
    start = end + 1;
    if (!line.starts_with(key) || line.size() <= key.size() || line[key.size()] != ' ') continue;
    std::int64_t value = 0;
    std::from_chars(line.data() + key.size() + 1, line.data() + line.size(), value);
    return value;
  }
  return 0;
}

// The cgroup directories below `dir` (run cgroups, or nothing), for removal.
std::vector<fs::path> subdirs(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_directory(ec)) out.push_back(entry.path());
  }
  return out;
}

// A gantry killed by SIGKILL cannot remove its cgroups: the processes are gone (they die with
// gantry), their empty cgroups stay. Removes those of gantry processes that no longer exist.
void remove_stale(const fs::path& own) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(own, ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(kPrefix)) continue;
    pid_t pid = 0;
    const char* digits = name.data() + kPrefix.size();
    const auto [end, parse_error] = std::from_chars(digits, name.data() + name.size(), pid);
    if (parse_error != std::errc() || *end != '-' || ::kill(pid, 0) == 0 || errno != ESRCH) continue;
    for (const fs::path& run : subdirs(entry.path())) ::rmdir(run.c_str());
    ::rmdir(entry.path().c_str());
  }
}

// A cgroup file's value without its newline.
std::string setting(const fs::path& file) {
  std::string text = read_file(file);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// A new cgroup v1 cpuset has no CPUs and no memory nodes, and no process can join it until it
// has some: it gets its parent's unless told otherwise.
void inherit_cpuset(const fs::path& dir, const std::string& cpus = "", const std::string& mems = "") {
  write_setting(dir / "cpuset.cpus", cpus.empty() ? setting(dir.parent_path() / "cpuset.cpus") : cpus);
  write_setting(dir / "cpuset.mems", mems.empty() ? setting(dir.parent_path() / "cpuset.mems") : mems);
}

// `dir` and the directories above it that are missing, as `mkdir -p` (a --cgroup-parent).
void make_dirs(const fs::path& dir, bool cpuset) {
  if (fs::exists(dir)) return;
  make_dirs(dir.parent_path(), cpuset);
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) throw_errno("create cgroup `" + dir.string() + "`");
  if (cpuset) inherit_cpuset(dir);
}

// Docker's mapping of cpu.shares (2 to 262144, 1024 by default) onto cgroup v2's cpu.weight
// (1 to 10000, 100 by default), as runc computes it.
std::int64_t cpu_weight(std::int64_t shares) { return 1 + ((shares - 2) * 9999) / 262142; }

void write_memory(const fs::path& dir, const Limits& limits, bool v1) {
  const std::int64_t memory = *limits.memory_bytes;
  if (v1) {
    write_setting(dir / "memory.limit_in_bytes", std::to_string(memory));
    // Memory plus swap; unless told, as docker: as much swap as memory (no such file without
    // swap accounting).
    const std::string memsw = std::to_string(limits.memory_swap_bytes.value_or(2 * memory));
    if (const int err = try_write(dir / "memory.memsw.limit_in_bytes", memsw); err != 0 && err != ENOENT) {
      throw errno_error("write `" + memsw + "` to `" + (dir / "memory.memsw.limit_in_bytes").string() + "`", err);
    }
    return;
  }
  write_setting(dir / "memory.max", std::to_string(memory));
  // v2 limits swap on its own: what --memory-swap allows beyond the memory; unless told, as
  // docker: as much as the memory.
  const std::int64_t total = limits.memory_swap_bytes.value_or(2 * memory);
  const std::string swap = total == -1 ? "max" : std::to_string(total - memory);
  if (const int err = try_write(dir / "memory.swap.max", swap); err != 0 && err != ENOENT) {
    throw errno_error("write `" + swap + "` to `" + (dir / "memory.swap.max").string() + "`", err);
  }
}

void write_cpu(const fs::path& dir, const Limits& limits, bool v1) {
  if (v1) {
    if (limits.cpu_shares) write_setting(dir / "cpu.shares", std::to_string(*limits.cpu_shares));
    if (limits.cpu_period_us) write_setting(dir / "cpu.cfs_period_us", std::to_string(*limits.cpu_period_us));
    if (limits.cpu_quota_us) write_setting(dir / "cpu.cfs_quota_us", std::to_string(*limits.cpu_quota_us));
    return;
  }
  if (limits.cpu_shares) write_setting(dir / "cpu.weight", std::to_string(cpu_weight(*limits.cpu_shares)));
  if (limits.cpu_period_us || limits.cpu_quota_us) {
    const std::int64_t quota = limits.cpu_quota_us.value_or(-1);
    write_setting(dir / "cpu.max", (quota == -1 ? std::string("max") : std::to_string(quota)) + " " +
                                       std::to_string(limits.cpu_period_us.value_or(100000)));
  }
}

bool wants_cpu(const Limits& limits) {
  return limits.cpu_shares || limits.cpu_period_us || limits.cpu_quota_us;
}

bool wants_cpuset(const Limits& limits) {
  return !limits.cpuset_cpus.empty() || !limits.cpuset_mems.empty();
}

std::string unique_name() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return std::string(kPrefix) + std::to_string(::getpid()) + "-" +
         std::to_string(now.tv_sec * 1'000'000'000LL + now.tv_nsec);
}

}  // namespace

RunCgroup::~RunCgroup() {
  procs_.clear();
  // Every process of the run has exited: the cgroups are empty. One that cannot be removed
  // stays empty until the next Executor's clean-up.
  for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) ::rmdir(it->c_str());
}

int RunCgroup::join() const {
  for (const UniqueFd& procs : procs_) {
    // "0" is the writing process itself, whatever pid namespace it is in.
    if (::write(procs.get(), "0", 1) != 1) return errno;
  }
  return 0;
}

std::vector<int> RunCgroup::fds() const {
  std::vector<int> out;
  for (const UniqueFd& fd : procs_) out.push_back(fd.get());
  return out;
}

LimitsHit RunCgroup::limits_hit() const {
  LimitsHit hit;
  if (pids_dir_) hit.refused_forks = counter(*pids_dir_ / "pids.events", "max");
  if (memory_dir_) {
    hit.oom_kills = counter(*memory_dir_ / (v1_ ? "memory.oom_control" : "memory.events"),
                            "oom_kill");
  }
  return hit;
}

SandboxCgroup::SandboxCgroup(const CgroupHierarchy& hierarchy)
    : hierarchy_(hierarchy), name_(unique_name()) {
  if (!hierarchy_.is_unified() && !hierarchy_.devices) {
    throw Error("cgroup v1 without the devices controller (/sys/fs/cgroup/devices): RUN steps "
                "cannot be kept from the host's devices");
  }
  try {
    parent_for("");
  } catch (...) {
    for (auto it = parents_.rbegin(); it != parents_.rend(); ++it) ::rmdir(it->c_str());
    throw;
  }
}

SandboxCgroup::~SandboxCgroup() {
  by_cgroup_parent_.clear();
  for (auto it = parents_.rbegin(); it != parents_.rend(); ++it) ::rmdir(it->c_str());
}

fs::path SandboxCgroup::make_parent(const fs::path& base, const std::string& cgroup_parent, bool cpuset) {
  make_dirs(base, cpuset);
  // Only below gantry's own cgroup: a --cgroup-parent may be shared with gantries in other PID
  // namespaces, whose live pids kill(pid, 0) cannot see.
  if (cgroup_parent.empty()) remove_stale(base);
  const fs::path dir = base / name_;
  make_dir(dir);
  parents_.push_back(dir);
  if (cpuset) inherit_cpuset(dir);
  return dir;
}

SandboxCgroup::Parent& SandboxCgroup::parent_for(const std::string& cgroup_parent) {
  const std::lock_guard lock(mutex_);
  auto& slot = by_cgroup_parent_[cgroup_parent];
  if (slot) return *slot;
  auto parent = std::make_unique<Parent>();
  try {
    if (hierarchy_.is_unified()) {
      make_unified_parent(*parent, cgroup_parent);
    } else {
      make_v1_parents(*parent, cgroup_parent);
    }
  } catch (...) {
    by_cgroup_parent_.erase(cgroup_parent);
    throw;
  }
  slot = std::move(parent);
  return *slot;
}

void SandboxCgroup::make_unified_parent(Parent& parent, const std::string& cgroup_parent) {
  const CgroupTree& tree = *hierarchy_.unified;
  const fs::path base = tree.base(cgroup_parent);
  const fs::path dir = make_parent(base, cgroup_parent);
  parent.unified = dir;
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) throw_errno("open cgroup `" + dir.string() + "`");
  attach_device_program(fd.get());
  // Run cgroups can only have a controller that every cgroup above enables for its children.
  // A cgroup can enable one only if it holds no process (or is the root): where gantry's own
  // cgroup cannot, runs go without that limit.
  // As runc does: each cgroup from where the path starts (the tree's root for an absolute
  // --cgroup-parent, gantry's own cgroup otherwise) down to the base enables them.
  const fs::path start = !cgroup_parent.empty() && cgroup_parent.front() == '/' ? tree.mount : tree.own;
  std::vector<fs::path> above{start};
  for (const auto& part : base.lexically_relative(start)) {
    if (part.empty() || part == ".") continue;
    above.push_back(above.back() / part);
  }
  auto enable = [&](const char* controller) -> std::optional<fs::path> {
    const std::string plus = std::string("+") + controller;
    for (const fs::path& p : above) try_write(p / "cgroup.subtree_control", plus);
    if (try_write(dir / "cgroup.subtree_control", plus) != 0) return std::nullopt;
    return dir;
  };
  parent.pids = enable("pids");
  parent.memory = enable("memory");
  parent.cpu = enable("cpu");
  parent.cpuset = enable("cpuset");
  parent.swap_accounting = parent.memory && fs::exists(dir / "memory.swap.max");
}

void SandboxCgroup::make_v1_parents(Parent& parent, const std::string& cgroup_parent) {
  const fs::path devices = make_parent(hierarchy_.devices->base(cgroup_parent), cgroup_parent);
  parent.devices = devices;
  write_setting(devices / "devices.deny", "a");
  for (const std::string& line : v1_device_allow_lines()) {
    // A rule gantry's own cgroup does not allow cannot be granted below it (EPERM): the runs
    // are then stricter still.
    const int err = try_write(devices / "devices.allow", line);
    if (err != 0 && err != EPERM) {
      throw errno_error("write `" + line + "` to `" + (devices / "devices.allow").string() + "`", err);
    }
  }
  parent.devices_procs = open_procs(devices);
  if (hierarchy_.pids) parent.pids = make_parent(hierarchy_.pids->base(cgroup_parent), cgroup_parent);
  if (hierarchy_.memory) parent.memory = make_parent(hierarchy_.memory->base(cgroup_parent), cgroup_parent);
  if (hierarchy_.cpu) parent.cpu = make_parent(hierarchy_.cpu->base(cgroup_parent), cgroup_parent);
  if (hierarchy_.cpuset) parent.cpuset = make_parent(hierarchy_.cpuset->base(cgroup_parent), cgroup_parent, true);
  parent.swap_accounting = parent.memory && fs::exists(*parent.memory / "memory.memsw.limit_in_bytes");
}

RunCgroup SandboxCgroup::make_run(const Limits& limits, bool all_devices) {
  Parent& parent = parent_for(limits.cgroup_parent);
  const std::string name = "run-" + std::to_string(runs_++);
  RunCgroup run;
  if (parent.unified) {
    // A stale sibling is removed as the parent's would be: its name starts with the parent's.
    const fs::path dir = all_devices ? parent.unified->parent_path() / (name_ + "-" + name)
                                     : *parent.unified / name;
    make_dir(dir);
    run.dirs_.push_back(dir);
    run.views_.emplace_back("", dir);
    if (limits.pids && parent.pids) {
      write_setting(dir / "pids.max", std::to_string(*limits.pids));
      run.pids_dir_ = dir;
    }
    if (limits.memory_bytes && parent.memory) {
      write_memory(dir, limits, false);
      run.memory_dir_ = dir;
    }
    if (wants_cpu(limits) && parent.cpu) write_cpu(dir, limits, false);
    if (!limits.cpuset_cpus.empty() && parent.cpuset) write_setting(dir / "cpuset.cpus", limits.cpuset_cpus);
    if (!limits.cpuset_mems.empty() && parent.cpuset) write_setting(dir / "cpuset.mems", limits.cpuset_mems);
    run.procs_.push_back(open_procs(dir));
    return run;
  }
  run.v1_ = true;
  if (!all_devices) {
    UniqueFd devices(::fcntl(parent.devices_procs.get(), F_DUPFD_CLOEXEC, 0));
    if (!devices) throw_errno("duplicate the devices cgroup's fd");
    run.procs_.push_back(std::move(devices));
    run.views_.emplace_back("devices", *parent.devices);
  }
  // The run's own cgroup in one controller's tree, which it joins.
  auto own = [&](const fs::path& controller_parent, const char* controller) {
    const fs::path dir = controller_parent / name;
    make_dir(dir);
    run.dirs_.push_back(dir);
    run.views_.emplace_back(controller, dir);
    return dir;
  };
  if (limits.pids && parent.pids) {
    run.pids_dir_ = own(*parent.pids, "pids");
    write_setting(*run.pids_dir_ / "pids.max", std::to_string(*limits.pids));
  }
  if (limits.memory_bytes && parent.memory) {
    run.memory_dir_ = own(*parent.memory, "memory");
    write_memory(*run.memory_dir_, limits, true);
  }
  if (wants_cpu(limits) && parent.cpu) write_cpu(own(*parent.cpu, "cpu"), limits, true);
  if (wants_cpuset(limits) && parent.cpuset) {
    inherit_cpuset(own(*parent.cpuset, "cpuset"), limits.cpuset_cpus, limits.cpuset_mems);
  }
  // Opened once every setting is written: the process joins a cgroup that is ready.
  for (std::size_t i = 0; i < run.dirs_.size(); ++i) run.procs_.push_back(open_procs(run.dirs_[i]));
  return run;
}

namespace {

// The limits `limits` asks for that `parent` cannot enforce; every one asked for without it.
std::vector<std::string> unenforced_below(const Limits& limits,
                                          const SandboxParentControllers& parent) {
  std::vector<std::string> out;
  if (limits.memory_bytes && !parent.memory) out.push_back("memory");
  if (limits.memory_swap_bytes && !parent.swap_accounting) out.push_back("memory-swap");
  if (limits.pids && !parent.pids) out.push_back("pids-limit");
  if (limits.cpu_shares && !parent.cpu) out.push_back("cpu-shares");
  if (limits.cpu_period_us && !parent.cpu) out.push_back("cpu-period");
  if (limits.cpu_quota_us && !parent.cpu) out.push_back("cpu-quota");
  if (!limits.cpuset_cpus.empty() && !parent.cpuset) out.push_back("cpuset-cpus");
  if (!limits.cpuset_mems.empty() && !parent.cpuset) out.push_back("cpuset-mems");
  return out;
}

}  // namespace

std::vector<std::string> SandboxCgroup::unenforced(const Limits& limits) {
  const Parent& parent = parent_for(limits.cgroup_parent);
  return unenforced_below(limits, {.memory = parent.memory.has_value(),
                                   .pids = parent.pids.has_value(),
                                   .cpu = parent.cpu.has_value(),
                                   .cpuset = parent.cpuset.has_value(),
                                   .swap_accounting = parent.swap_accounting});
}

std::vector<std::string> SandboxCgroup::limit_names(const Limits& limits) {
  return unenforced_below(limits, {});
}

std::optional<Executor::Cpuset> SandboxCgroup::available_cpuset() const {
  try {
    if (hierarchy_.is_unified()) {
      const fs::path own = hierarchy_.unified->own;
      if (!fs::exists(own / "cpuset.cpus.effective")) return std::nullopt;
      return Executor::Cpuset{setting(own / "cpuset.cpus.effective"), setting(own / "cpuset.mems.effective")};
    }
    if (!hierarchy_.cpuset) return std::nullopt;
    const fs::path own = hierarchy_.cpuset->own;
    return Executor::Cpuset{setting(own / "cpuset.effective_cpus"), setting(own / "cpuset.effective_mems")};
  } catch (const Error&) {
    return std::nullopt;
  }
}

}  // namespace gantry::executor

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
    hit.oom_kills = counter(*memory_dir_ / (memory_v1_ ? "memory.oom_control" : "memory.events"),
                            "oom_kill");
  }
  return hit;
}

SandboxCgroup::SandboxCgroup(const CgroupHierarchy& hierarchy)
    : hierarchy_(hierarchy), name_(unique_name()) {
  try {
    if (hierarchy_.is_unified()) {
      remove_stale(hierarchy_.unified);
      unified_parent_ = make_parent(hierarchy_.unified);
      UniqueFd dir(::open(unified_parent_->c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      if (!dir) throw_errno("open cgroup `" + unified_parent_->string() + "`");
      attach_device_program(dir.get());
      // Run cgroups can only have a controller that every cgroup above enables for its
      // children. gantry's own cgroup can enable one only if it holds no process (or is the
      // root): where it cannot, runs go without that limit.
      auto enable = [&](const char* controller) {
        const std::string plus = std::string("+") + controller;
        try_write(hierarchy_.unified / "cgroup.subtree_control", plus);
        return try_write(*unified_parent_ / "cgroup.subtree_control", plus) == 0;
      };
      unified_pids_ = enable("pids");
      unified_memory_ = enable("memory");
      return;
    }
    if (!hierarchy_.devices) {
      throw Error("cgroup v1 without the devices controller (/sys/fs/cgroup/devices): RUN steps "
                  "cannot be kept from the host's devices");
    }
    for (const auto& own : {hierarchy_.devices, hierarchy_.pids, hierarchy_.memory}) {
      if (own) remove_stale(*own);
    }
    const fs::path devices = make_parent(*hierarchy_.devices);
    write_setting(devices / "devices.deny", "a");
    for (const std::string& line : v1_device_allow_lines()) {
      // A rule gantry's own cgroup does not allow cannot be granted below it (EPERM): the runs
      // are then stricter still.
      const int err = try_write(devices / "devices.allow", line);
      if (err != 0 && err != EPERM) {
        throw errno_error("write `" + line + "` to `" + (devices / "devices.allow").string() + "`", err);
      }
    }
    devices_procs_ = open_procs(devices);
    if (hierarchy_.pids) pids_parent_ = make_parent(*hierarchy_.pids);
    if (hierarchy_.memory) memory_parent_ = make_parent(*hierarchy_.memory);
  } catch (...) {
    for (auto it = parents_.rbegin(); it != parents_.rend(); ++it) ::rmdir(it->c_str());
    throw;
  }
}

SandboxCgroup::~SandboxCgroup() {
  devices_procs_.reset();
  for (auto it = parents_.rbegin(); it != parents_.rend(); ++it) ::rmdir(it->c_str());
}

fs::path SandboxCgroup::make_parent(const fs::path& own) {
  const fs::path dir = own / name_;
  make_dir(dir);
  parents_.push_back(dir);
  return dir;
}

RunCgroup SandboxCgroup::make_run(const Limits& limits, bool all_devices) {
  const std::string name = "run-" + std::to_string(runs_++);
  RunCgroup run;
  if (unified_parent_) {
    // A stale one is removed as the parent's would be: its name starts with the parent's.
    const fs::path dir = all_devices ? hierarchy_.unified / (name_ + "-" + name) : *unified_parent_ / name;
    make_dir(dir);
    run.dirs_.push_back(dir);
    if (limits.pids && unified_pids_) {
      write_setting(dir / "pids.max", std::to_string(*limits.pids));
      run.pids_dir_ = dir;
    }
    if (limits.memory_bytes && unified_memory_) {
      write_setting(dir / "memory.max", std::to_string(*limits.memory_bytes));
      // The limit must not be escaped into swap (no such file without swap accounting).
      if (const int err = try_write(dir / "memory.swap.max", "0"); err != 0 && err != ENOENT) {
        throw errno_error("write `0` to `" + (dir / "memory.swap.max").string() + "`", err);
      }
      run.memory_dir_ = dir;
    }
    run.procs_.push_back(open_procs(dir));
    return run;
  }
  if (!all_devices) {
    UniqueFd devices(::fcntl(devices_procs_.get(), F_DUPFD_CLOEXEC, 0));
    if (!devices) throw_errno("duplicate the devices cgroup's fd");
    run.procs_.push_back(std::move(devices));
  }
  if (limits.pids && pids_parent_) {
    const fs::path dir = *pids_parent_ / name;
    make_dir(dir);
    run.dirs_.push_back(dir);
    write_setting(dir / "pids.max", std::to_string(*limits.pids));
    run.pids_dir_ = dir;
    run.procs_.push_back(open_procs(dir));
  }
  if (limits.memory_bytes && memory_parent_) {
    const fs::path dir = *memory_parent_ / name;
    make_dir(dir);
    run.dirs_.push_back(dir);
    const std::string bytes = std::to_string(*limits.memory_bytes);
    write_setting(dir / "memory.limit_in_bytes", bytes);
    // Memory plus swap, limited to the same: no swap (no such file without swap accounting).
    if (const int err = try_write(dir / "memory.memsw.limit_in_bytes", bytes); err != 0 && err != ENOENT) {
      throw errno_error("write `" + bytes + "` to `" + (dir / "memory.memsw.limit_in_bytes").string() + "`", err);
    }
    run.memory_dir_ = dir;
    run.memory_v1_ = true;
    run.procs_.push_back(open_procs(dir));
  }
  return run;
}

std::vector<std::string> SandboxCgroup::unenforced(const Limits& limits) const {
  std::vector<std::string> out;
  if (limits.memory_bytes && !(unified_parent_ ? unified_memory_ : memory_parent_.has_value())) {
    out.push_back("memory");
  }
  if (limits.pids && !(unified_parent_ ? unified_pids_ : pids_parent_.has_value())) {
    out.push_back("pids");
  }
  return out;
}

}  // namespace gantry::executor

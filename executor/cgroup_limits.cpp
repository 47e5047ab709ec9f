#include "executor/cgroup_limits.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <optional>
#include <sstream>

#include "base/error.h"
#include "base/file_util.h"

namespace gantry::executor {
namespace {

constexpr const char* kCgroupRoot = "/sys/fs/cgroup";

// gantry's own cgroup for `controller` ("" = the v2 unified hierarchy), from /proc/self/cgroup.
std::string own_cgroup(const std::string& controller) {
  std::istringstream lines(read_file("/proc/self/cgroup"));
  std::string line;
  while (std::getline(lines, line)) {
    const std::size_t first = line.find(':');
    const std::size_t second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    std::istringstream names(line.substr(first + 1, second - first - 1));
    std::string name;
    bool match = controller.empty() && second == first + 1;
    while (!match && std::getline(names, name, ',')) match = name == controller;
    if (match) return line.substr(second + 1);
  }
  throw Error("/proc/self/cgroup: no cgroup for controller `" + controller + "`");
}

std::string unique_name() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return "gantry-" + std::to_string(::getpid()) + "-" + std::to_string(::syscall(SYS_gettid)) +
         "-" + std::to_string(now.tv_sec * 1'000'000'000LL + now.tv_nsec);
}

void write_setting(const std::filesystem::path& file, std::int64_t value) {
  UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CLOEXEC));
  const std::string text = std::to_string(value);
  if (!fd || ::write(fd.get(), text.data(), text.size()) < 0) {
    throw_errno("write " + text + " to `" + file.string() + "`");
  }
}

}  // namespace

CgroupLimits::CgroupLimits(const Limits& limits) {
  if (!limits.memory_bytes && !limits.pids) return;
  struct statfs fs{};
  if (::statfs(kCgroupRoot, &fs) != 0) throw_errno(std::string("statfs ") + kCgroupRoot);
  const std::string name = unique_name();
  try {
    if (fs.f_type == CGROUP2_SUPER_MAGIC) {
      std::vector<std::pair<const char*, std::int64_t>> settings;
      if (limits.memory_bytes) settings.emplace_back("memory.max", *limits.memory_bytes);
      if (limits.pids) settings.emplace_back("pids.max", *limits.pids);
      make(std::filesystem::path(kCgroupRoot) / own_cgroup("").substr(1) / name, settings);
      return;
    }
    // cgroup v1: swap is limited with memory so that the limit cannot be escaped into swap.
    if (limits.memory_bytes) {
      make(std::filesystem::path(kCgroupRoot) / "memory" / own_cgroup("memory").substr(1) / name,
           {{"memory.limit_in_bytes", *limits.memory_bytes}});
    }
    if (limits.pids) {
      make(std::filesystem::path(kCgroupRoot) / "pids" / own_cgroup("pids").substr(1) / name,
           {{"pids.max", *limits.pids}});
    }
  } catch (...) {
    remove_dirs();
    throw;
  }
}

void CgroupLimits::make(const std::filesystem::path& dir,
                        const std::vector<std::pair<const char*, std::int64_t>>& settings) {
  if (::mkdir(dir.c_str(), 0755) != 0) throw_errno("create cgroup `" + dir.string() + "`");
  dirs_.push_back(dir);
  for (const auto& [file, value] : settings) write_setting(dir / file, value);
  UniqueFd procs(::open((dir / "cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC));
  if (!procs) throw_errno("open `" + (dir / "cgroup.procs").string() + "`");
  procs_.push_back(std::move(procs));
}

void CgroupLimits::join() const {
  for (const UniqueFd& procs : procs_) {
    // "0" means the writing process itself, whatever pid namespace it is in.
    if (::write(procs.get(), "0", 1) != 1) throw_errno("join the run's cgroup");
  }
}

CgroupLimits::~CgroupLimits() { remove_dirs(); }

void CgroupLimits::remove_dirs() {
  procs_.clear();
  // Every process of the run has exited by now; a failing rmdir leaves an empty cgroup only.
  for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) ::rmdir(it->c_str());
  dirs_.clear();
}

std::vector<int> CgroupLimits::fds() const {
  std::vector<int> out;
  for (const auto& fd : procs_) out.push_back(fd.get());
  return out;
}

}  // namespace gantry::executor

// Runs one process (a RUN step, or `gantry run`) in fresh Linux namespaces over an overlay
// root filesystem, natively: clone/unshare, overlayfs, pivot_root. No runc, no daemon. Each run
// is sandboxed as Docker does it: its own cgroup (Docker's default devices only, a pids limit,
// optional memory and CPU limits), Docker's default capabilities and seccomp profile (or the
// user's: SecurityOptions), and nodev on every filesystem it can write but /dev.
//
// Life of a run: the caller prepares the snapshot directories (lower layers, an empty upper and
// work dir) and calls Executor::run(). run() mounts the overlay and every extra mount inside a
// private mount namespace, runs the process as PID 1 of a new PID namespace (reaping zombies,
// forwarding signals), streams its output line by line to the sink, and returns its exit status
// once every process, mount and fd it made is gone. The upper dir then holds exactly the
// changes the process made, in overlay form (whiteouts as 0/0 character devices, opaque dirs
// marked with trusted.overlay.opaque=y): that is the new layer. Files the executor itself needs
// (/etc/hosts, /etc/resolv.conf, /etc/hostname, mount points it had to create) never end up in
// the upper dir.
//
// A non-zero exit is a result, not an error; run() throws gantry::Error only when the process
// could not be started (no such shell, unknown user, bad mount source, ...), with a message that
// names the thing at fault.
#pragma once

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "base/error.h"
#include "base/platform.h"
#include "base/unique_fd.h"

namespace gantry::executor {

// The root filesystem: an overlay of read-only layer dirs under a writable upper dir.
// lower_dirs are ordered top first (as overlayfs's lowerdir= option); it may be empty (scratch).
struct RootFs {
  std::vector<std::filesystem::path> lower_dirs;
  std::filesystem::path upper_dir;  // must exist and be empty; receives the changes
  std::filesystem::path work_dir;   // overlayfs work dir on the same filesystem as upper_dir
};

// A host directory or file bound into the container (cache mounts, ssh agent sockets, bind
// mounts of a materialised snapshot).
struct BindMount {
  std::filesystem::path source;
  std::string target;
  bool readonly = true;
};

// Another snapshot chain mounted at `target` (RUN --mount=type=bind,from=...). With an empty
// upper_dir it is read-only; otherwise writes go to upper_dir (which the caller discards).
struct OverlayMount {
  std::vector<std::filesystem::path> lower_dirs;  // top first
  std::filesystem::path upper_dir;
  std::filesystem::path work_dir;
  std::string target;
  std::string selector;  // sub-path of the merged tree to mount, "" = all of it
};

struct TmpfsMount {
  std::string target;
  std::int64_t size_bytes = 0;  // 0 = the kernel's default
  // gantry run's --tmpfs and --mount type=tmpfs set these; RUN's tmpfs keeps the defaults.
  std::uint32_t mode = 01777;
  bool readonly = false;
  bool noexec = false;
  bool nosuid = true;  // every mount is nodev: the container's devices are /dev's
  std::vector<std::pair<std::string, std::string>> options;  // more tmpfs options (uid, gid, ...)
};

// A file whose content lives only in memory (a tmpfs): secrets. Never in the layer or logs.
struct SecretFileMount {
  std::string target;
  std::string content;
  std::uint32_t uid = 0, gid = 0, mode = 0400;
};

using MountSpec = std::variant<BindMount, OverlayMount, TmpfsMount, SecretFileMount>;

// Which network a run gets.
enum class Network {
  // A network namespace of its own with outbound access through a user-mode TCP/IP stack
  // (slirp4netns): the process reaches what the host reaches, except the host's loopback
  // services. Its DNS works even when the host's resolver is on 127.0.0.x.
  Private,
  None,  // a network namespace with only `lo`
  Host,  // the host's network namespace (trusted steps only: it reaches 127.0.0.1)
};

// A line of the run's /etc/hosts besides localhost's (docker build --add-host).
struct HostEntry {
  std::string name;
  std::string address;  // an IPv4 or IPv6 address, or kHostGateway
};

// As an address: the host as the run sees it. On the private network that is slirp4netns's
// gateway, 10.0.2.2 (which, like every route there, leads to none of the host's loopback
// services); on the host's network, 127.0.0.1; a run without a network gets 10.0.2.2 too, which
// it cannot reach.
inline constexpr std::string_view kHostGateway = "host-gateway";

struct ProcessSpec {
  std::vector<std::string> args;  // argv; args[0] is looked up in PATH of env when not absolute
  std::vector<std::string> env;   // KEY=VALUE
  std::string cwd = "/";          // created in the rootfs when missing
  std::string user;               // "", "name", "uid", "name:group", "uid:gid"; resolved from
                                  // the rootfs's /etc/passwd and /etc/group
  std::string hostname = "gantry";
  Network network = Network::Private;
  std::vector<HostEntry> extra_hosts;  // after localhost's lines, in this order
};

// Every run gets a pids limit unless told otherwise, so that a fork bomb stops there instead of
// taking the host down. Threads count as well: 4,096 is far above what a parallel build uses
// (make -j64 with its compilers is a few hundred tasks) and far below what hurts a host.
inline constexpr std::int64_t kDefaultPidsLimit = 4096;

// Enforced through the run's cgroup where the host has the controller (see
// Executor::unenforced_limits). Docker's flags, in docker's units.
struct Limits {
  std::optional<std::int64_t> memory_bytes;  // none: no limit
  // Memory and swap together (--memory-swap), with memory_bytes only: none = as much swap as
  // memory (twice memory_bytes in all, as docker), -1 = as much swap as the host has.
  std::optional<std::int64_t> memory_swap_bytes;
  std::optional<std::int64_t> pids = kDefaultPidsLimit;  // none: no limit
  // The CPU time the run gets against others when the CPUs are busy (--cpu-shares, cgroup v1's
  // cpu.shares, 2 to 262144; 1024 is a default cgroup's share). None: the default.
  std::optional<std::int64_t> cpu_shares;
  // The CFS bandwidth limit: at most `quota` microseconds of CPU time every `period`
  // microseconds (--cpu-period, --cpu-quota). None: the kernel's (a 100 ms period, no quota).
  std::optional<std::int64_t> cpu_period_us, cpu_quota_us;
  // The CPUs and memory nodes the run may use, in the kernel's list form ("0-3,6"). "" = all.
  std::string cpuset_cpus, cpuset_mems;
  // Where the run's cgroups go (--cgroup-parent; see CgroupTree::base). "" = below gantry's own.
  std::string cgroup_parent;
};

// A setrlimit limit of the run's process, by docker's name for it (executor/resource_limits.h).
struct Ulimit {
  std::string name;  // "nofile", "nproc", ...
  std::int64_t soft = -1, hard = -1;  // -1: unlimited
};

// What a run may do beyond its capabilities: docker's --security-opt.
struct SecurityOptions {
  enum class Seccomp {
    Default,     // Docker's default profile (executor/seccomp_filter.h)
    Unconfined,  // no filter
    Profile,     // `seccomp_profile`, in Docker's JSON format (executor/seccomp_profile.h)
  };
  Seccomp seccomp = Seccomp::Default;
  std::string seccomp_profile;       // the JSON text, for Profile
  std::string seccomp_profile_name;  // its file, for messages
  // No privileges gained across exec: setuid programs and file capabilities give nothing
  // (PR_SET_NO_NEW_PRIVS).
  bool no_new_privileges = false;
};

// The size of a run's /dev/shm unless told otherwise: Docker's.
inline constexpr std::int64_t kDefaultShmBytes = 64 << 20;

// Where the container's standard streams go. By default (RUN steps) stdin is /dev/null and
// stdout and stderr go line by line to run()'s sink; `gantry run` hands its own.
struct Stdio {
  int in = -1;   // an fd of the caller's that becomes the container's stdin; -1: /dev/null
  int out = -1;  // fds of the caller's for its stdout and stderr; -1: the sink
  int err = -1;
  // A terminal instead: stdin, stdout and stderr are the slave of a new pseudo-terminal of the
  // container's own /dev/pts (in, out and err are unused), the controlling terminal of its
  // session. `terminal` gets the master from run()'s thread before the command starts, and
  // relays its traffic (on a thread of its own) until a read returns EIO: the container is gone.
  std::function<void(UniqueFd master)> terminal;
};

struct RunSpec {
  RootFs rootfs;
  ProcessSpec process;
  std::vector<MountSpec> mounts;
  Limits limits;
  std::int64_t shm_bytes = kDefaultShmBytes;  // the size of the tmpfs on /dev/shm
  std::vector<Ulimit> ulimits;  // the process's; the others stay gantry's
  SecurityOptions security;
  bool insecure = false;  // RUN --security=insecure: all capabilities, no seccomp (and a
                          // network namespace that is not reused: it may have changed it)
  // gantry run's (docker run's) settings; RUN steps keep the defaults.
  Stdio stdio;
  // The capabilities the process keeps, bit n for capability n (executor/capabilities.h); none:
  // Docker's default set.
  std::optional<std::uint64_t> capabilities;
  // docker run --privileged: as insecure, and also every host device, /sys writable and no
  // masked or read-only paths in /proc.
  bool privileged = false;
  bool readonly_root = false;  // the root filesystem read-only (its mounts keep their own mode)
  // A reaper as PID 1 (docker run --init): the command runs as its child; it forwards signals
  // to it, reaps every orphan, and exits with the command's status.
  bool init = false;
  // The platform the programs are for; none: the host's. One the host runs only through a
  // binfmt_misc handler needs it registered with F (executor/platform_support.h), checked
  // before anything is set up.
  std::optional<Platform> platform;
};

// What a failed run ran into, from its cgroup: the likely reason it failed.
struct LimitsHit {
  std::int64_t refused_forks = 0;  // fork/clone calls the pids limit refused
  std::int64_t oom_kills = 0;      // processes the kernel killed at the memory limit
};

struct RunResult {
  int exit_code = 0;  // 128 + signal when killed by a signal, as a shell reports it
  bool signaled = false;
  LimitsHit limits_hit;  // read only when exit_code != 0
};

// The command could not be executed at all: not found (exit code 127, as a shell and docker
// give) or found but not executable (126). `error` is exec's errno, 0 for a name not on $PATH.
class CommandNotExecuted : public Error {
 public:
  CommandNotExecuted(const std::string& message, int error)
      : Error(message), exit_code_(error == 0 || error == ENOENT || error == ENOTDIR ? 127 : 126) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

enum class Stream { Stdout = 1, Stderr = 2 };
// Called once per complete output line (without the newline), from the thread that called run().
using LineSink = std::function<void(Stream, std::string_view line)>;

class SeccompFilter;
class NetworkPool;
class SandboxCgroup;

class Executor {
 public:
  // state_dir holds the executor's scratch files (hosts/resolv.conf copies, secret tmpfs
  // mount points); it is created when missing.
  // Nothing is touched until the first run(): a fully cached build never pays for the state
  // dir set-up or the seccomp compilation. Network namespaces (and their slirp4netns
  // processes) are made on first use and reused by later runs until the Executor goes away.
  explicit Executor(std::filesystem::path state_dir);
  ~Executor();

  // Runs spec to completion. If *cancel becomes true, the process tree is killed and run()
  // returns promptly with signaled = true.
  RunResult run(const RunSpec& spec, const LineSink& sink,
                const std::atomic<bool>* cancel = nullptr);

  // The limits of `limits` that runs go without because the host's cgroups cannot enforce
  // them, named as docker's flags are ("memory", "memory-swap", "pids-limit", "cpu-shares",
  // "cpu-period", "cpu-quota", "cpuset-cpus", "cpuset-mems"), for the caller to tell the user.
  std::vector<std::string> unenforced_limits(const Limits& limits);

  // The CPUs and memory nodes runs may be given, as the kernel lists them ("0-3"), from
  // gantry's own cgroup; nothing when the host has no cpuset controller gantry can use.
  struct Cpuset {
    std::string cpus, mems;
  };
  std::optional<Cpuset> available_cpuset();

 private:
  void prepare();  // once, before the first run
  const SeccompFilter* seccomp_for(const RunSpec& spec, std::uint64_t capabilities);

  std::filesystem::path state_dir_;
  std::once_flag prepared_;
  // The host's resolv.conf and the private network's, copied into the state dir by prepare().
  std::filesystem::path resolv_conf_, private_resolv_conf_;
  // Compiled once per capability set (the default profile) and per profile text and capability
  // set (the users' profiles), on first use: loading a ready BPF program is one syscall per run.
  std::mutex seccomp_mutex_;
  std::map<std::uint64_t, std::unique_ptr<const SeccompFilter>> default_seccomp_;
  std::map<std::pair<std::string, std::uint64_t>, std::unique_ptr<const SeccompFilter>> profiles_;
  std::unique_ptr<NetworkPool> networks_;
  // The parent cgroup of every run, with the device rules.
  std::unique_ptr<SandboxCgroup> cgroups_;
  unsigned last_capability_ = 0;  // the kernel's, for the bounding set
};

}  // namespace gantry::executor

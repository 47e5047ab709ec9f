#include "executor/executor.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <optional>

#include "base/digest.h"
#include "base/error.h"
#include "base/file_util.h"
#include "base/scope_guard.h"
#include "base/user_namespace.h"
#include "executor/capabilities.h"
#include "executor/container_plan.h"
#include "executor/line_splitter.h"
#include "executor/mount_point_cleanup.h"
#include "executor/network_pool.h"
#include "executor/pipe.h"
#include "executor/platform_support.h"
#include "executor/pseudo_terminal.h"
#include "executor/resolv_conf.h"
#include "executor/root_filesystem.h"
#include "executor/sandbox_cgroup.h"
#include "executor/seccomp_filter.h"
#include "executor/seccomp_profile.h"
#include "executor/setup_report.h"
#include "executor/supervisor.h"
#include "executor/user_lookup.h"

namespace gantry::executor {
namespace {

void make_dir(const std::filesystem::path& dir) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    throw_errno("create directory `" + dir.string() + "`");
  }
}

std::string localhost_lines(const std::string& hostname) {
  return "127.0.0.1\tlocalhost " + hostname + "\n::1\tlocalhost ip6-localhost ip6-loopback\n";
}

std::string hosts_lines(const std::vector<HostEntry>& extra_hosts, Network network) {
  std::string lines;
  for (const auto& [name, address] : extra_hosts) {
    const std::string shown = address != kHostGateway ? address
                              : network == Network::Host ? "127.0.0.1"
                                                         : "10.0.2.2";
    lines += shown + "\t" + name + "\n";
  }
  return lines;
}

// Written once per hostname (and set of extra hosts) and shared by every run with it (bound
// read-only). `resolv_conf` is the run's network's copy (Executor::prepare).
EtcFiles etc_files(const std::filesystem::path& state_dir, const std::string& hostname,
                   Network network, const std::vector<HostEntry>& extra_hosts,
                   const std::filesystem::path& resolv_conf) {
  if (hostname.empty() || hostname.size() > 64 || hostname.find('/') != std::string::npos ||
      hostname.front() == '.') {
    throw Error("hostname `" + hostname + "`: not a valid host name");
  }
  const std::filesystem::path dir = state_dir / "etc" / hostname;
  EtcFiles files{dir / "hosts", resolv_conf, dir / "hostname"};
  // Concurrent runs (threads or processes) may all find them missing: the first to write one
  // wins and the others keep it, since a run may already hold a bind of it (a file replaced
  // under a bind-to-be cannot be mounted: ENOENT).
  if (::access(files.hostname.c_str(), F_OK) != 0) {
    make_dir(dir);
    write_file_if_absent(files.hosts, localhost_lines(hostname));
    write_file_if_absent(files.hostname, hostname + "\n");
  }
  if (!extra_hosts.empty()) {
    // One file per content, named by its digest: runs with other extra hosts may share the dir.
    const std::string extra = hosts_lines(extra_hosts, network);
    files.hosts = dir / ("hosts-" + sha256_of(extra).hex());
    if (::access(files.hosts.c_str(), F_OK) != 0) write_file_if_absent(files.hosts, localhost_lines(hostname) + extra);
  }
  return files;
}

// A copy of `content` in `dir`, named by its digest, written by the first run to need it and never
// replaced: the builds sharing a state root (each its own process) bind it while others start,
// and a file renamed over under a bind-to-be fails the bind (ENOENT). A changed host file gets
// a copy of its own.
std::filesystem::path content_copy(const std::filesystem::path& dir, const std::string& prefix,
                                   const std::string& content) {
  const std::filesystem::path path = dir / (prefix + "-" + sha256_of(content).hex());
  if (::access(path.c_str(), F_OK) != 0) write_file_if_absent(path, content);
  return path;
}

// See MountDirs::mount_points. Made once per state dir; a run only reads it.
void make_mount_point_layer(const std::filesystem::path& layer) {
  make_dir(layer);
  for (const char* dir : {"proc", "sys", "dev", "etc"}) make_dir(layer / dir);
  for (const char* file : {"etc/hosts", "etc/resolv.conf", "etc/hostname"}) {
    UniqueFd fd(::open((layer / file).c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
    if (!fd) throw_errno("create `" + (layer / file).string() + "`");
  }
}

int read_status(int fd) {
  int status = 0;
  ssize_t n;
  while ((n = ::read(fd, &status, sizeof status)) < 0 && errno == EINTR) {
  }
  if (n != sizeof status) throw Error("executor: the supervisor ended without a status");
  return status;
}

// Streams both outputs line by line until the container has closed them, killing it if
// `cancel` turns true. The flag can only be polled: check it a few times a second. An output
// of -1 is the caller's own fd, not streamed; with neither, this waits for the status instead.
bool stream_output(int stdout_fd, int stderr_fd, int status_fd, const LineSink& sink,
                   const std::atomic<bool>* cancel, const Supervisor& supervisor) {
  std::array<LineSplitter, 2> splitters{LineSplitter(Stream::Stdout, sink),
                                        LineSplitter(Stream::Stderr, sink)};
  std::array<pollfd, 3> fds{pollfd{stdout_fd, POLLIN, 0}, pollfd{stderr_fd, POLLIN, 0},
                            pollfd{-1, POLLIN, 0}};
  int open_streams = (stdout_fd >= 0) + (stderr_fd >= 0);
  if (open_streams == 0) {
    fds[2].fd = status_fd;
    open_streams = 1;
  }
  bool cancelled = false;
  std::array<char, 65536> buffer;
  while (open_streams > 0) {
    const int ready = ::poll(fds.data(), fds.size(), cancel && !cancelled ? 50 : -1);
    if (ready < 0 && errno != EINTR) throw_errno("poll the container's output");
    if (cancel && !cancelled && cancel->load()) {
      cancelled = true;
      supervisor.signal(SIGTERM);
    }
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      if (i == 2) {  // the status is there to read
        fds[i].fd = -1;
        --open_streams;
        continue;
      }
      const ssize_t n = ::read(fds[i].fd, buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR) continue;
      if (n > 0) {
        splitters[i].feed(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
        continue;
      }
      splitters[i].finish();
      fds[i].fd = -1;
      --open_streams;
    }
  }
  return cancelled;
}

}  // namespace

Executor::Executor(std::filesystem::path state_dir) : state_dir_(std::move(state_dir)) {}

void Executor::prepare() {
  // The default profile for the default capabilities, the filter of most runs, compiled before
  // the first.
  default_seccomp_[kDefaultCapabilities] =
      std::make_unique<const SeccompFilter>(kDefaultCapabilities);
  // In a user namespace (a rootless gantry) the host's cgroups are not gantry's to divide, and
  // its devices are bound from the host's harmless ones, so runs go without a cgroup.
  if (in_initial_user_namespace())
    cgroups_ = std::make_unique<SandboxCgroup>(CgroupHierarchy::of_this_process());
  last_capability_ = last_capability();
  std::filesystem::create_directories(state_dir_);
  for (const char* dir : {"rootfs", "staging", "empty", "etc"}) make_dir(state_dir_ / dir);
  make_mount_point_layer(state_dir_ / "mount-points");
  std::string host_resolv;
  if (::access("/etc/resolv.conf", R_OK) == 0) host_resolv = read_file("/etc/resolv.conf");
  resolv_conf_ = content_copy(state_dir_ / "etc", "resolv.conf", host_resolv);
  private_resolv_conf_ = content_copy(state_dir_ / "etc", "resolv.conf.private",
                                      private_network_resolv_conf(host_resolv));
  networks_ = std::make_unique<NetworkPool>(loopback_resolvers(host_resolv));
}

Executor::~Executor() = default;

RunResult Executor::run(const RunSpec& spec, const LineSink& sink,
                        const std::atomic<bool>* cancel) {
  if (spec.process.args.empty()) throw UsageError("run: no command given");
  // A native run (nearly every one) reads no binfmt_misc entry: only another platform's asks
  // for the host's handlers.
  if (spec.platform && !PlatformSupport(host_platform(), {}).native(*spec.platform))
    PlatformSupport::of_host().require(*spec.platform);
  std::call_once(prepared_, [this] { prepare(); });
  const RunCgroup cgroup =
      cgroups_ ? cgroups_->make_run(spec.limits, spec.privileged) : RunCgroup::none();
  // In a user namespace (a rootless gantry) no cgroup can keep slirp4netns from the host's
  // loopback services, which the user's own processes reach anyway: the default network is the
  // host's there, as rootless BuildKit's.
  const Network network_kind =
      spec.process.network == Network::Private && !in_initial_user_namespace()
          ? Network::Host
          : spec.process.network;
  // Given back (or, after an insecure run, thrown away) only once the container is gone.
  std::optional<NetworkPool::Lease> network;
  if (network_kind != Network::Host) {
    network.emplace(networks_->acquire(network_kind));
    // A process that may reconfigure it leaves a namespace no other run should get.
    if (spec.insecure || spec.privileged || (spec.capabilities && (*spec.capabilities & kNetAdmin))) {
      network->discard();
    }
  }
  Pipe report = make_pipe(), status = make_pipe();
  const MountDirs dirs{.empty = state_dir_ / "empty",
                       .mount_points = state_dir_ / "mount-points",
                       .staging = state_dir_ / "staging"};
  // Everything the container does that can fail in a way worth words is done here, before the
  // clone, where an error is an exception naming its object (executor/container_plan.h).
  ContainerPlan plan;
  plan.cgroup = &cgroup;
  plan.network_fd = network ? network->fd() : -1;
  plan.root_mount_point = (state_dir_ / "rootfs").string();
  plan.upper_dir = spec.rootfs.upper_dir.string();
  plan.staging = dirs.staging.string();
  plan.root = root_tree(spec.rootfs, dirs.mount_points);
  plan.dev = make_dev_trees(spec.shm_bytes, spec.privileged);
  plan.cgroup_view = make_cgroup_view(cgroup);
  // The container's stdio: a terminal, the caller's fds, or pipes streamed to the sink.
  std::optional<Pipe> out, err;
  PseudoTerminal terminal;
  if (spec.stdio.terminal) {
    terminal = open_pseudo_terminal(plan.dev.pts.get());
    plan.stdin_fd = plan.stdout_fd = plan.stderr_fd = terminal.slave.get();
    plan.terminal = true;
  } else {
    plan.stdin_fd = spec.stdio.in;
    if (spec.stdio.out < 0) out = make_pipe();
    if (spec.stdio.err < 0) err = make_pipe();
    plan.stdout_fd = out ? out->write.get() : spec.stdio.out;
    plan.stderr_fd = err ? err->write.get() : spec.stdio.err;
  }
  const std::filesystem::path& resolv_conf =
      network_kind == Network::Private ? private_resolv_conf_ : resolv_conf_;
  plan.mounts = prepare_mounts(etc_files(state_dir_, spec.process.hostname, network_kind,
                                         spec.process.extra_hosts, resolv_conf),
                               spec.mounts, dirs);
  plan.cwd = clean_relative(spec.process.cwd);
  plan.cwd_shown = "/" + plan.cwd;
  plan.hostname = spec.process.hostname;
  plan.resource_limits = plan_resource_limits(spec.ulimits);
  // From the root's own layers, as BuildKit reads them: not from what RUN --mount puts there.
  const Identity identity = resolve_user_in_root(plan.root.get(), spec.process.user);
  const bool unconfined = spec.insecure || spec.privileged;
  plan.credentials = credentials_for(identity, unconfined, last_capability_);
  if (spec.capabilities) plan.credentials.capabilities = *spec.capabilities;
  plan.seccomp = seccomp_for(spec, plan.credentials.capabilities);
  plan.no_new_privileges = spec.security.no_new_privileges;
  plan.readonly_root = spec.readonly_root;
  plan.privileged = spec.privileged;
  plan.init = spec.init;
  // The user's own terminal, as a login gives it (a program may check who owns its tty).
  if (terminal.slave && ::fchown(terminal.slave.get(), identity.uid, static_cast<gid_t>(-1)) != 0) {
    throw_errno("give the container's terminal to uid " + std::to_string(identity.uid));
  }
  plan_exec(plan.exec, spec.process.args, spec.process.env, identity.home);
  plan.report_fd = report.write.get();
  plan.status_fd = status.write.get();
  plan.fds_to_keep = fds_of(plan);
  if (terminal.master) spec.stdio.terminal(std::move(terminal.master));
  Supervisor supervisor(plan);
  if (out) out->write.reset();
  if (err) err->write.reset();
  terminal.slave.reset();
  report.write.reset();
  status.write.reset();

  SetupReport setup;
  // Whatever happens below, once the container is gone its mount points leave the upper dir.
  // This runs while the error that ends the run unwinds: failing to tidy an upper dir that the
  // caller throws away with the failed run must not replace that error (or terminate gantry).
  ScopeGuard cleanup([&]() noexcept {
    supervisor.signal(SIGTERM);
    supervisor.wait();
    try {
      remove_created_mount_points(spec.rootfs.upper_dir, setup.added);
    } catch (const std::exception&) {
    }
  });
  setup = read_setup_report(report.read.get());
  // The container has exec'd, or given up: its mounts live in its namespace, or nowhere. Held
  // on, the root would keep the overlay on the upper dir alive after the run.
  plan.root.reset();
  plan.dev = {};
  plan.cgroup_view = {};
  plan.mounts.clear();
  if (setup.exec_error) throw CommandNotExecuted(*setup.error, *setup.exec_error);
  if (setup.error) throw Error(*setup.error);

  const bool cancelled = stream_output(out ? out->read.get() : -1, err ? err->read.get() : -1,
                                       status.read.get(), sink, cancel, supervisor);
  const int wait_status = read_status(status.read.get());
  cleanup.dismiss();
  supervisor.wait();
  remove_created_mount_points(spec.rootfs.upper_dir, setup.added);

  RunResult result;
  if (WIFSIGNALED(wait_status)) {
    result.signaled = true;
    result.exit_code = 128 + WTERMSIG(wait_status);
  } else {
    result.exit_code = WEXITSTATUS(wait_status);
  }
  result.signaled = result.signaled || cancelled;
  if (result.exit_code != 0) result.limits_hit = cgroup.limits_hit();
  return result;
}

const SeccompFilter* Executor::seccomp_for(const RunSpec& spec, std::uint64_t capabilities) {
  if (spec.insecure || spec.privileged) return nullptr;
  const std::lock_guard lock(seccomp_mutex_);
  switch (spec.security.seccomp) {
    case SecurityOptions::Seccomp::Default: {
      auto& filter = default_seccomp_[capabilities];
      if (!filter) filter = std::make_unique<const SeccompFilter>(capabilities);
      return filter.get();
    }
    case SecurityOptions::Seccomp::Unconfined: return nullptr;
    case SecurityOptions::Seccomp::Profile: break;
  }
  auto& filter = profiles_[{spec.security.seccomp_profile, capabilities}];
  if (!filter) {
    filter = std::make_unique<const SeccompFilter>(compile_docker_profile(
        spec.security.seccomp_profile, spec.security.seccomp_profile_name, capabilities));
  }
  return filter.get();
}

std::vector<std::string> Executor::unenforced_limits(const Limits& limits) {
  std::call_once(prepared_, [this] { prepare(); });
  if (!cgroups_) return SandboxCgroup::limit_names(limits);
  return cgroups_->unenforced(limits);
}

std::optional<Executor::Cpuset> Executor::available_cpuset() {
  std::call_once(prepared_, [this] { prepare(); });
  if (!cgroups_) return std::nullopt;
  return cgroups_->available_cpuset();
}

}  // namespace gantry::executor

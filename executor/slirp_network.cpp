#include "executor/slirp_network.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "base/error.h"
#include "executor/loopback_guard.h"
#include "executor/pipe.h"

extern char** environ;

namespace gantry::executor {
namespace {

// slirp4netns sees its fds at these numbers.
constexpr int kExitFd = 3, kReadyFd = 4, kNamespaceFd = 5;
constexpr int kReadyTimeoutMs = 10'000;

// A copy above the numbers the child is given, so that no dup2 in the child overwrites a
// source another one still needs.
UniqueFd above_child_fds(int fd) {
  UniqueFd copy(::fcntl(fd, F_DUPFD_CLOEXEC, 10));
  if (!copy) throw_errno("duplicate an fd for slirp4netns");
  return copy;
}

// What slirp4netns said last (its output goes to an in-memory file), for an error message.
std::string last_line(int log_fd) {
  std::string text(4096, '\0');
  const off_t size = ::lseek(log_fd, 0, SEEK_END);
  const off_t from = size > 4096 ? size - 4096 : 0;
  const ssize_t n = ::pread(log_fd, text.data(), text.size(), from);
  text.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  const std::size_t start = text.rfind('\n');
  return start == std::string::npos ? text : text.substr(start + 1);
}

class SpawnActions {
 public:
  SpawnActions() { posix_spawn_file_actions_init(&actions_); }
  ~SpawnActions() { posix_spawn_file_actions_destroy(&actions_); }
  SpawnActions(const SpawnActions&) = delete;
  SpawnActions& operator=(const SpawnActions&) = delete;
  posix_spawn_file_actions_t* get() { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_;
};

class SpawnAttributes {
 public:
  // slirp4netns starts with default signal handling and an empty mask, in a process group of
  // its own: a Ctrl-C meant for gantry must not kill the network under a RUN being cancelled.
  SpawnAttributes() {
    posix_spawnattr_init(&attr_);
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attr_, &all);
    posix_spawnattr_setsigmask(&attr_, &none);
    posix_spawnattr_setpgroup(&attr_, 0);
    posix_spawnattr_setflags(
        &attr_, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP);
  }
  ~SpawnAttributes() { posix_spawnattr_destroy(&attr_); }
  SpawnAttributes(const SpawnAttributes&) = delete;
  SpawnAttributes& operator=(const SpawnAttributes&) = delete;
  const posix_spawnattr_t* get() const { return &attr_; }

 private:
  posix_spawnattr_t attr_;
};

// Waits for slirp4netns's "configured" byte; false when it exited or took too long.
bool wait_ready(int ready_fd) {
  pollfd pfd{ready_fd, POLLIN, 0};
  int ready;
  while ((ready = ::poll(&pfd, 1, kReadyTimeoutMs)) < 0 && errno == EINTR) {
  }
  if (ready <= 0) return false;
  char byte = 0;
  return ::read(ready_fd, &byte, 1) == 1;
}

}  // namespace

SlirpNetwork::SlirpNetwork(int namespace_fd, const LoopbackGuard& guard) {
  UniqueFd log(::memfd_create("slirp4netns-output", MFD_CLOEXEC));
  if (!log) throw_errno("slirp4netns: memfd_create");
  Pipe exit_pipe = make_pipe(), ready = make_pipe();
  const UniqueFd exit_source = above_child_fds(exit_pipe.read.get());
  const UniqueFd ready_source = above_child_fds(ready.write.get());
  const UniqueFd namespace_source = above_child_fds(namespace_fd);
  const UniqueFd log_source = above_child_fds(log.get());

  SpawnActions actions;
  posix_spawn_file_actions_addopen(actions.get(), 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(actions.get(), log_source.get(), 1);
  posix_spawn_file_actions_adddup2(actions.get(), log_source.get(), 2);
  posix_spawn_file_actions_adddup2(actions.get(), exit_source.get(), kExitFd);
  posix_spawn_file_actions_adddup2(actions.get(), ready_source.get(), kReadyFd);
  posix_spawn_file_actions_adddup2(actions.get(), namespace_source.get(), kNamespaceFd);
  posix_spawn_file_actions_addclosefrom_np(actions.get(), kNamespaceFd + 1);

  const std::string exit_arg = "--exit-fd=" + std::to_string(kExitFd);
  const std::string ready_arg = "--ready-fd=" + std::to_string(kReadyFd);
  const std::string path_arg = "/proc/self/fd/" + std::to_string(kNamespaceFd);
  // 65520: the largest MTU slirp4netns takes, for fewer, larger packets through it.
  std::vector<const char*> argv{"slirp4netns",
                                "--configure",
                                "--mtu=65520",
                                "--disable-host-loopback",
                                "--enable-sandbox",
                                "--enable-seccomp",
                                "--netns-type=path",
                                exit_arg.c_str(),
                                ready_arg.c_str(),
                                path_arg.c_str(),
                                "tap0",
                                nullptr};
  SpawnAttributes attributes;
  const int rc = ::posix_spawnp(&pid_, argv[0], actions.get(), attributes.get(),
                                const_cast<char* const*>(argv.data()), environ);
  if (rc == ENOENT) {
    throw Error(
        "slirp4netns: not found in PATH; RUN's default network needs it (Debian package "
        "slirp4netns), or build with --network=none or --network=host");
  }
  if (rc != 0) throw errno_error("start slirp4netns", rc);
  exit_pipe_ = std::move(exit_pipe.write);
  ready.write.reset();  // slirp4netns's copy is the only one left: its exit is end-of-file

  auto stop = [this] {
    exit_pipe_.reset();
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  };
  if (!wait_ready(ready.read.get())) {
    const std::string said = last_line(log.get());
    stop();
    throw Error("slirp4netns: the network did not come up" + (said.empty() ? "" : ": " + said));
  }
  try {
    guard.add(pid_);
  } catch (...) {
    stop();
    throw;
  }
}

bool SlirpNetwork::running() {
  if (pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == pid_) pid_ = -1;
  return pid_ > 0;
}

SlirpNetwork::~SlirpNetwork() {
  if (pid_ <= 0) return;
  exit_pipe_.reset();
  while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace gantry::executor

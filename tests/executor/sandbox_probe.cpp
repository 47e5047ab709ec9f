// sandbox_probe: what a hostile RUN step would try, as one small static binary that the sandbox
// tests copy into an image (busybox cannot make these calls). Each mode prints what happened.
//
// Attempts the sandbox must refuse exit 0 when refused and 1 when they got through:
//   sandbox_probe io_uring            io_uring_setup, io_uring_enter, io_uring_register
//   sandbox_probe personality VALUE   personality(VALUE), VALUE in hex
//   sandbox_probe open PATH           open PATH for reading and read one byte
// Workloads the sandbox must bound exit 0 when they got all they asked for, else 1 (or die):
//   sandbox_probe hold N              fork N children that sleep, and say how many it got
//   sandbox_probe hog MB              allocate and touch MB MiB, 16 MiB at a time
#include <fcntl.h>
#include <signal.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

int refused_or_not(const char* what, long rc) {
  if (rc < 0) {
    std::printf("%s: refused: %s\n", what, std::strerror(errno));
    return 0;
  }
  std::printf("%s: allowed\n", what);
  return 1;
}

int probe_io_uring() {
  // Nothing is asked of the kernel but the calls themselves: a missing ring fd makes enter and
  // register fail with EBADF when the calls are allowed.
  unsigned char params[120] = {};
  int allowed = 0;
  const long setup = ::syscall(SYS_io_uring_setup, 1, params);
  allowed += refused_or_not("io_uring_setup", setup);
  if (setup >= 0) ::close(static_cast<int>(setup));
  errno = 0;
  ::syscall(SYS_io_uring_enter, -1, 0, 0, 0, nullptr, 0);
  const bool enter_refused = errno == EPERM || errno == ENOSYS;
  std::printf("io_uring_enter: %s: %s\n", enter_refused ? "refused" : "allowed", std::strerror(errno));
  errno = 0;
  ::syscall(SYS_io_uring_register, -1, 0, nullptr, 0);
  const bool register_refused = errno == EPERM || errno == ENOSYS;
  std::printf("io_uring_register: %s: %s\n", register_refused ? "refused" : "allowed",
              std::strerror(errno));
  return allowed + !enter_refused + !register_refused > 0 ? 1 : 0;
}

int probe_personality(const char* value) {
  const unsigned long persona = std::strtoul(value, nullptr, 16);
  const std::string what = std::string("personality ") + value;
  return refused_or_not(what.c_str(), ::syscall(SYS_personality, persona));
}

int probe_open(const char* path) {
  const int fd = ::open(path, O_RDONLY | O_NONBLOCK);
  const std::string what = std::string("open ") + path;
  if (fd < 0) return refused_or_not(what.c_str(), -1);
  char byte;
  const ssize_t n = ::read(fd, &byte, 1);
  ::close(fd);
  // A device that opens but cannot be read (a tty without a terminal) was still reachable.
  std::printf("%s: allowed (read %s)\n", what.c_str(), n >= 0 ? "worked" : std::strerror(errno));
  return 1;
}

int hold(long wanted) {
  std::vector<pid_t> children;
  int fork_error = 0;
  for (long i = 0; i < wanted; ++i) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::pause();
      ::_exit(0);
    }
    if (pid < 0) {
      fork_error = errno;
      break;
    }
    children.push_back(pid);
  }
  std::printf("held %zu of %ld processes%s%s\n", children.size(), wanted,
              fork_error ? ": fork: " : "", fork_error ? std::strerror(fork_error) : "");
  std::fflush(stdout);
  for (pid_t pid : children) ::kill(pid, SIGKILL);
  for (pid_t pid : children) ::waitpid(pid, nullptr, 0);
  return static_cast<long>(children.size()) == wanted ? 0 : 1;
}

int hog(long megabytes) {
  constexpr long kChunk = 16;
  std::vector<char*> chunks;
  for (long done = 0; done < megabytes; done += kChunk) {
    char* chunk = static_cast<char*>(std::malloc(kChunk << 20));
    if (!chunk) {
      std::printf("allocated %ld of %ld MiB: malloc failed\n", done, megabytes);
      return 1;
    }
    std::memset(chunk, 1, kChunk << 20);
    chunks.push_back(chunk);
  }
  std::printf("allocated %ld MiB\n", megabytes);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "io_uring" && argc == 2) return probe_io_uring();
  if (mode == "personality" && argc == 3) return probe_personality(argv[2]);
  if (mode == "open" && argc == 3) return probe_open(argv[2]);
  if (mode == "hold" && argc == 3) return hold(std::atol(argv[2]));
  if (mode == "hog" && argc == 3) return hog(std::atol(argv[2]));
  std::fprintf(stderr, "usage: sandbox_probe io_uring | personality HEX | open PATH | hold N | hog MB\n");
  return 2;
}

#include "engine/ssh_key_agent.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "base/child_process.h"
#include "base/error.h"

namespace gantry::engine {

namespace fs = std::filesystem;

namespace {

// What a program run here may print before it counts as runaway.
constexpr std::size_t kMaxOutput = 64 * 1024;

fs::path program(const std::string& name, const std::string& what) {
  return find_program(name, what, "install openssh-client");
}

// Reads `fd` until its first line, its end, or kMaxOutput bytes: the agent's report, whose pipe
// the agent's command keeps open as its stderr.
std::string first_line_from(int fd) {
  std::string text;
  char buffer[4096];
  while (text.size() < kMaxOutput && text.find('\n') == std::string::npos) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  return text;
}

std::string first_line(const std::string& text) {
  std::string l = text.substr(0, text.find('\n'));
  while (!l.empty() && (l.back() == '\r' || l.back() == ' ')) l.pop_back();
  return l.empty() ? "no message" : l;
}

}  // namespace

SshKeyAgent::SshKeyAgent(const fs::path& parent, const std::vector<fs::path>& keys,
                         const std::string& what)
    : what_(what), dir_(parent, "ssh-agent-"), socket_(dir_.path() / "agent.sock") {
  const fs::path agent = program("ssh-agent", what_);
  Pipe keep_alive = make_pipe(what_), report = make_pipe(what_);
  child_.emplace(spawn_program(agent,
                       {"ssh-agent", "-a", socket_.string(), "--", "/bin/sh", "-c",
                        "echo \"$SSH_AGENT_PID\" && exec cat >/dev/null"},
                       {"PATH=/usr/bin:/bin"}, keep_alive.read.get(), report.write.get(), report.write.get(), what_));
  keep_alive_ = std::move(keep_alive.write);
  report.write.reset();
  try {
    const std::string said = first_line_from(report.read.get());
    const std::string pid_text = said.substr(0, said.find('\n'));
    const bool is_pid = !pid_text.empty() && pid_text.size() < 10 &&
                        pid_text.find_first_not_of("0123456789") == std::string::npos;
    if (!is_pid) throw Error(what_ + ": ssh-agent did not start: " + first_line(said));
    agent_ = UniqueFd(static_cast<int>(::syscall(SYS_pidfd_open, std::stoi(pid_text), 0)));
    if (!agent_) throw_errno(what_ + ": ssh-agent " + pid_text);
    for (const auto& key : keys) add_key(key);
  } catch (...) {
    stop();
    throw;
  }
}

SshKeyAgent::~SshKeyAgent() { stop(); }

void SshKeyAgent::add_key(const fs::path& key) const {
  // Given on stdin, the key is read as it is: ssh-add's check of the file's mode is for keys it
  // finds itself, and a build's key is the user's choice.
  UniqueFd file(::open(key.c_str(), O_RDONLY | O_CLOEXEC));
  if (!file) throw_errno(what_ + ": key `" + key.string() + "`");
  Pipe out = make_pipe(what_), err = make_pipe(what_);
  Child ssh_add(spawn_program(program("ssh-add", what_), {"ssh-add", "-q", "-"},
                      {"SSH_AUTH_SOCK=" + socket_.string(), "SSH_ASKPASS_REQUIRE=never"}, file.get(),
                      out.write.get(), err.write.get(), what_));
  out.write.reset();
  err.write.reset();
  const ChildOutput said = drain(std::move(out.read), std::move(err.read), kMaxOutput, what_ + ": ssh-add");
  if (ssh_add.wait() != 0)
    throw Error(what_ + ": key `" + key.string() + "` could not be loaded (a key with a passphrase cannot be): " +
                first_line(said.err.empty() ? said.out : said.err));
}

void SshKeyAgent::stop() noexcept {
  if (agent_) {
    // The agent removes its socket when told to stop; it is given a moment to.
    if (::syscall(SYS_pidfd_send_signal, agent_.get(), SIGTERM, nullptr, 0) == 0) {
      pollfd exited{agent_.get(), POLLIN, 0};
      while (::poll(&exited, 1, 5000) < 0 && errno == EINTR) {
      }
    }
    agent_.reset();
  }
  keep_alive_.reset();
  child_.reset();
}

}  // namespace gantry::engine

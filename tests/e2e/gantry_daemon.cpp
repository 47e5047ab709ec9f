#include "tests/e2e/gantry_daemon.h"

#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "base/unique_fd.h"

namespace gantry::e2e {

namespace fs = std::filesystem;

bool can_connect(const fs::path& socket_path) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{.sun_family = AF_UNIX};
  socket_path.string().copy(addr.sun_path, sizeof addr.sun_path - 1);
  return ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
}

std::map<std::string, std::string> docker_env(const GantryEnv& env, const GantryDaemon& daemon) {
  return {{"DOCKER_HOST", "unix://" + daemon.socket().string()},
          {"DOCKER_BUILDKIT", "0"},
          {"DOCKER_CONFIG", (env.scratch() / "docker-config").string()}};
}

void write_context(const fs::path& dir, const std::string& dockerfile) {
  fs::create_directories(dir);
  std::ofstream(dir / "Dockerfile") << dockerfile;
}

GantryDaemon::GantryDaemon(const GantryEnv& env, const std::vector<std::string>& flags,
                           const std::map<std::string, std::string>& environment)
    : socket_(env.scratch() / "gantry.sock"), log_(env.scratch() / "daemon.log") {
  std::vector<std::string> command{"--root", env.root().string(), "daemon", "-H",
                                   "unix://" + socket_.string()};
  command.insert(command.end(), flags.begin(), flags.end());
  // The daemon's stderr goes to the log.
  command.insert(command.begin(), {"sh", "-c", "exec \"$0\" \"$@\" 2>\"$LOG\"", gantry_binary()});
  auto variables = environment;
  variables["LOG"] = log_.string();
  pid_ = spawn_command(command, variables);
  if (!eventually([this] { return can_connect(socket_); }))
    throw std::runtime_error("gantry daemon did not listen: " + log());
}

GantryDaemon::~GantryDaemon() {
  if (pid_ > 0) stop();
}

int GantryDaemon::stop() {
  ::kill(pid_, SIGTERM);
  const int code = wait_for(pid_);
  pid_ = -1;
  return code;
}

std::string GantryDaemon::log() const {
  std::ifstream in(log_);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace gantry::e2e

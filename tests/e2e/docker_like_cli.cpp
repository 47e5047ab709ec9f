#include "tests/e2e/docker_like_cli.h"

#include <cstdlib>

namespace gantry::e2e {

namespace {

// The socket scripts/test-dockerd.sh starts its dockerd on: its default, or the one the
// environment gives it.
std::string docker_socket() {
  const char* given = std::getenv("GANTRY_TEST_DOCKERD_SOCK");
  return std::string("unix://") + (given && *given ? given : "/run/gantry-test-docker.sock");
}

}  // namespace

std::optional<std::string> DockerCli::start_daemon() {
  if (!std::filesystem::exists("/usr/bin/docker") || !std::filesystem::exists("/usr/sbin/dockerd"))
    return "docker is not installed (Debian package docker.io; scripts/deps.sh installs it)";
  auto o = run_command({(source_dir() / "scripts/test-dockerd.sh").string(), "start"});
  if (o.exit_code != 0) return "the test dockerd does not start: " + o.err;
  return std::nullopt;
}

std::vector<std::string> DockerCli::command_line(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {"env", "DOCKER_BUILDKIT=1", "/usr/bin/docker", "-H",
                                   docker_socket()};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

std::vector<std::string> GantryCli::command_line(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {"env", "GANTRY_ROOT=" + root_.string(), gantry_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

}  // namespace gantry::e2e

// The two command-line tools the side-by-side test drives with the very same arguments: docker,
// as the client of a private dockerd (scripts/test-dockerd.sh), and gantry with a state root of
// its own. Each says how it runs a command, so that a test can also run it elsewhere (in a
// terminal) and not only to completion here.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tests/e2e/gantry_runner.h"

namespace gantry::e2e {

class DockerLikeCli {
 public:
  virtual ~DockerLikeCli() = default;
  virtual std::string name() const = 0;
  // The whole command line that runs the tool with `args`, its environment included (through
  // env(1)), for running it somewhere else than run().
  virtual std::vector<std::string> command_line(const std::vector<std::string>& args) const = 0;
  Outcome run(const std::vector<std::string>& args,
              const std::filesystem::path& stdin_path = "/dev/null") const {
    return run_command(command_line(args), {}, stdin_path);
  }
};

// /usr/bin/docker (20.10, which builds with BuildKit when DOCKER_BUILDKIT=1 and needs no buildx)
// talking to the test dockerd's socket.
class DockerCli : public DockerLikeCli {
 public:
  // Starts the test dockerd unless it runs already; why it cannot run, or nothing when it runs.
  static std::optional<std::string> start_daemon();
  std::string name() const override { return "docker"; }
  std::vector<std::string> command_line(const std::vector<std::string>& args) const override;
};

class GantryCli : public DockerLikeCli {
 public:
  explicit GantryCli(std::filesystem::path root) : root_(std::move(root)) {}
  std::string name() const override { return "gantry"; }
  std::vector<std::string> command_line(const std::vector<std::string>& args) const override;

 private:
  std::filesystem::path root_;
};

}  // namespace gantry::e2e

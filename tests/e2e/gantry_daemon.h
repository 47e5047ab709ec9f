// A `gantry daemon` for end-to-end tests: started on a unix socket in the test's scratch
// directory (and any other listeners its flags add), on the test's store, its log kept; stopped
// with SIGTERM when the test is done.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/gantry_runner.h"

namespace gantry::e2e {

// Whether something listens on the unix socket at `socket_path`.
bool can_connect(const std::filesystem::path& socket_path);

// Waits (up to a bound far above what it takes, so that a hang fails instead of blocking the
// suite) until `done` holds; returns whether it does.
template <typename F>
bool eventually(F done) {
  using namespace std::chrono_literals;
  for (auto deadline = std::chrono::steady_clock::now() + 120s;
       std::chrono::steady_clock::now() < deadline;) {
    if (done()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return done();
}

class GantryDaemon;

// The environment of a docker client (or docker-compose) that talks to `daemon` with the classic
// builder's API, with a config directory of the test's own.
std::map<std::string, std::string> docker_env(const GantryEnv& env, const GantryDaemon& daemon);

// A build context in `dir` holding a Dockerfile with `dockerfile`.
void write_context(const std::filesystem::path& dir, const std::string& dockerfile);

class GantryDaemon {
 public:
  // `flags`: more of `gantry daemon`'s; `environment`: variables the daemon gets besides the
  // test's (DOCKER_CONFIG for its own credentials). Returns once the daemon listens: it binds
  // every listener before it serves any, so the unix socket answering means that all of them
  // are there.
  explicit GantryDaemon(const GantryEnv& env, const std::vector<std::string>& flags = {},
                        const std::map<std::string, std::string>& environment = {});
  ~GantryDaemon();
  GantryDaemon(const GantryDaemon&) = delete;
  GantryDaemon& operator=(const GantryDaemon&) = delete;

  // SIGTERM; the daemon's exit code.
  int stop();
  const std::filesystem::path& socket() const { return socket_; }
  std::string log() const;

 private:
  std::filesystem::path socket_, log_;
  int pid_ = -1;
};

}  // namespace gantry::e2e

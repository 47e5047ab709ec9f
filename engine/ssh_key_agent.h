// --ssh ID=KEY[,KEY...] (docker's form with key files instead of an agent's socket): the keys
// are loaded into an ssh-agent (OpenSSH's, from Debian's openssh-client) that the build starts
// for itself, and RUN --mount=type=ssh forwards that agent's socket. The key files never reach
// a step: only the agent reads them, through ssh-add.
//
//   SshKeyAgent agent(scratch_dir, {"/home/me/.ssh/deploy_key"}, "--ssh default");
//   solve_options.ssh_sockets["default"] = agent.socket();
//   ... solve ...
//   // the destructor stops the agent and removes its socket
//
// The agent is started as `ssh-agent -a SOCKET -- sh -c 'echo $SSH_AGENT_PID; exec cat'`: the
// `cat` is our child and reads a pipe only this object writes to. When gantry dies without
// running the destructor (SIGKILL), the pipe closes, `cat` exits, and ssh-agent, which checks
// every 10 seconds that the command it started is still there, exits too: no agent with the
// keys outlives its build by more than that.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/child_process.h"
#include "base/file_util.h"
#include "base/unique_fd.h"

namespace gantry::engine {

class SshKeyAgent {
 public:
  // Starts an agent with its socket in a new directory under `parent` and loads every key
  // into it. Throws Error beginning with `what` (e.g. "--ssh default") naming the key file
  // that cannot be read or loaded (one with a passphrase cannot: nothing may prompt for it),
  // or saying why the agent did not start.
  SshKeyAgent(const std::filesystem::path& parent, const std::vector<std::filesystem::path>& keys,
              const std::string& what);
  ~SshKeyAgent();
  SshKeyAgent(const SshKeyAgent&) = delete;
  SshKeyAgent& operator=(const SshKeyAgent&) = delete;

  const std::filesystem::path& socket() const { return socket_; }

 private:
  void add_key(const std::filesystem::path& key) const;
  void stop() noexcept;

  std::string what_;
  TempDir dir_;
  std::filesystem::path socket_;
  UniqueFd keep_alive_;  // the write end of the pipe the agent's `cat` reads
  std::optional<Child> child_;  // the `cat`
  UniqueFd agent_;       // a pidfd of the agent itself
};

}  // namespace gantry::engine

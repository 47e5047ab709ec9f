// --ssh default|ID[=SOCKET|KEY[,KEY...]]: what RUN --mount=type=ssh forwards, as docker takes it.
// An agent's socket is forwarded as it is; key files are loaded into an agent the build starts
// (engine/ssh_key_agent.h). Without a value (and for `default`), $SSH_AUTH_SOCK is used, as
// buildx does.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace gantry::cli {

struct SshForwards {
  std::map<std::string, std::filesystem::path> sockets;
  std::map<std::string, std::vector<std::filesystem::path>> keys;
};

// Throws UsageError for an empty id, for more than one socket or sockets and keys together,
// or when no value is given and $SSH_AUTH_SOCK is unset; Error naming a path that does not
// exist or is neither a socket nor a file.
SshForwards parse_ssh_forwards(const std::vector<std::string>& specs);

}  // namespace gantry::cli

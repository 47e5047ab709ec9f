#include "cli/ssh_sockets.h"

#include <cstdlib>

#include "base/error.h"

namespace gantry::cli {

std::map<std::string, std::filesystem::path> parse_ssh_sockets(const std::vector<std::string>& specs) {
  std::map<std::string, std::filesystem::path> out;
  for (const auto& spec : specs) {
    auto eq = spec.find('=');
    std::string id = spec.substr(0, eq);
    if (id.empty()) throw UsageError("invalid --ssh `" + spec + "`: empty id");
    std::string socket = eq == std::string::npos ? "" : spec.substr(eq + 1);
    if (socket.empty()) {
      const char* agent = std::getenv("SSH_AUTH_SOCK");
      if (!agent || !*agent) throw UsageError("--ssh `" + spec + "`: no socket given and SSH_AUTH_SOCK is not set");
      socket = agent;
    }
    if (!std::filesystem::exists(socket)) throw Error("--ssh `" + spec + "`: socket `" + socket + "` not found");
    out[id] = socket;
  }
  return out;
}

}  // namespace gantry::cli

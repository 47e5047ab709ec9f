#include "cli/ssh_sockets.h"

#include <sys/stat.h>

#include <cstdlib>

#include "base/error.h"

namespace gantry::cli {

SshForwards parse_ssh_forwards(const std::vector<std::string>& specs) {
  SshForwards out;
  for (const auto& spec : specs) {
    auto eq = spec.find('=');
    std::string id = spec.substr(0, eq);
    if (id.empty()) throw UsageError("invalid --ssh `" + spec + "`: empty id");
    std::string value = eq == std::string::npos ? "" : spec.substr(eq + 1);
    if (value.empty()) {
      const char* agent = std::getenv("SSH_AUTH_SOCK");
      if (!agent || !*agent)
        throw UsageError("--ssh `" + spec + "`: no socket given and SSH_AUTH_SOCK is not set");
      value = agent;
    }
    std::vector<std::filesystem::path> sockets, keys;
    for (std::size_t start = 0; start <= value.size();) {
      std::size_t comma = value.find(',', start);
      if (comma == std::string::npos) comma = value.size();
      const std::string path = value.substr(start, comma - start);
      start = comma + 1;
      if (path.empty()) throw UsageError("invalid --ssh `" + spec + "`: empty path");
      struct stat st {};
      if (::stat(path.c_str(), &st) != 0)
        throw Error("--ssh `" + spec + "`: `" + path + "` not found");
      if (S_ISSOCK(st.st_mode))
        sockets.push_back(path);
      else if (S_ISREG(st.st_mode))
        keys.push_back(path);
      else
        throw Error("--ssh `" + spec + "`: `" + path +
                    "` is neither an agent's socket nor a key file");
    }
    if (sockets.size() > 1)
      throw UsageError("invalid --ssh `" + spec + "`: only one socket is allowed");
    if (!sockets.empty() && !keys.empty())
      throw UsageError("invalid --ssh `" + spec +
                       "`: an agent's socket and key files cannot be given together");
    out.sockets.erase(id);
    out.keys.erase(id);
    if (!sockets.empty())
      out.sockets[id] = sockets[0];
    else
      out.keys[id] = keys;
  }
  return out;
}

}  // namespace gantry::cli

// --ssh ID[=SOCKET]: agent sockets that RUN --mount=type=ssh forwards. Without a socket (and
// for `default`), $SSH_AUTH_SOCK is used, as buildx does.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace gantry::cli {

// Throws UsageError for an empty id, or when no socket is given and $SSH_AUTH_SOCK is unset;
// Error when the socket does not exist.
std::map<std::string, std::filesystem::path> parse_ssh_sockets(const std::vector<std::string>& specs);

}  // namespace gantry::cli

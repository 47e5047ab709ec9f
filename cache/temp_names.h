// Temp files and staging dirs carry the pid of the process that made them
// ("<prefix><pid>-XXXXXX"), so that cleaning up after a crash removes only what dead processes
// left behind, never the work of another gantry running on the same root.
#pragma once

#include <signal.h>

#include <cerrno>
#include <charconv>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace gantry::cache {

inline std::string staging_prefix(pid_t pid) { return "staging-" + std::to_string(pid) + "-"; }

inline std::optional<pid_t> owner_of_temp_name(std::string_view name, std::string_view prefix) {
  if (!name.starts_with(prefix)) return std::nullopt;
  name.remove_prefix(prefix.size());
  pid_t pid = 0;
  auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), pid);
  if (ec != std::errc() || end == name.data() || *end != '-') return std::nullopt;
  return pid;
}

inline bool process_alive(pid_t pid) { return ::kill(pid, 0) == 0 || errno == EPERM; }

}  // namespace gantry::cache

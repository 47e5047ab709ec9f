#include "cli/run_flags.h"

#include <unistd.h>

#include <cstdlib>
#include <map>
#include <sstream>

#include "base/error.h"
#include "base/file_util.h"
#include "base/quantities.h"
#include "executor/capabilities.h"

namespace gantry::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* kNoContainersKept = "gantry keeps no containers (it has no daemon): ";

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end - start));
    if (end == std::string::npos) return parts;
    start = end + 1;
  }
}

constexpr const char* kSpaces = " \t\r\n\v\f";

bool has_space(const std::string& text) { return text.find_first_of(kSpaces) != std::string::npos; }

// A boolean as docker's --mount takes it: no value is true.
bool mount_bool(const std::string& mount, const std::string& key, const std::optional<std::string>& value) {
  if (!value || *value == "true" || *value == "1") return true;
  if (*value == "false" || *value == "0") return false;
  throw UsageError("invalid --mount `" + mount + "`: `" + key + "` is true or false, not `" + *value + "`");
}

std::uint32_t octal_mode(const std::string& text, const std::string& what) {
  std::uint32_t mode = 0;
  for (char c : text) {
    if (c < '0' || c > '7' || mode > 07777) throw UsageError(what + ": `" + text + "` is not an octal mode");
    mode = mode * 8 + static_cast<std::uint32_t>(c - '0');
  }
  if (text.empty() || mode > 07777) throw UsageError(what + ": `" + text + "` is not an octal mode");
  return mode;
}

std::int64_t tmpfs_size(const std::string& text, const std::string& what) {
  try {
    const std::int64_t bytes = parse_memory_size(text);
    if (bytes > 0) return bytes;
  } catch (const UsageError&) {
  }
  throw UsageError(what + ": `" + text + "` is not a size (e.g. 64m)");
}

void check_target(const std::string& target, const std::string& what) {
  if (target.empty()) throw UsageError(what + ": no target (the path in the container)");
  if (target.front() != '/') throw UsageError(what + ": the target `" + target + "` is not an absolute path");
}

executor::BindMount bind_mount(const std::string& value, const std::map<std::string, std::optional<std::string>>& keys) {
  const std::string what = "invalid --mount `" + value + "`";
  executor::BindMount bind{.readonly = false};
  std::string source;
  for (const auto& [key, v] : keys) {
    if (key == "source" || key == "src") {
      source = v.value_or("");
    } else if (key == "target" || key == "destination" || key == "dst") {
      bind.target = v.value_or("");
    } else if (key == "readonly" || key == "ro") {
      bind.readonly = mount_bool(value, key, v);
    } else if (key == "bind-propagation") {
      // The container's mounts are private to it, and no mount it makes reaches the host.
      if (v != "rprivate" && v != "private") {
        throw UsageError(what + ": bind-propagation `" + v.value_or("") +
                         "` is not supported (gantry's bind mounts are rprivate)");
      }
    } else if (key != "type") {
      throw UsageError(what + ": unknown key `" + key + "` for a bind mount");
    }
  }
  if (source.empty()) throw UsageError(what + ": no source (the host path)");
  if (source.front() != '/') throw UsageError(what + ": the source `" + source + "` is not an absolute path");
  if (!fs::exists(source)) throw UsageError(what + ": the source `" + source + "` does not exist");
  check_target(bind.target, what);
  bind.source = source;
  return bind;
}

executor::TmpfsMount docker_tmpfs() {
  return executor::TmpfsMount{.mode = 01777, .noexec = true, .nosuid = true};
}

executor::TmpfsMount tmpfs_mount(const std::string& value, const std::map<std::string, std::optional<std::string>>& keys) {
  const std::string what = "invalid --mount `" + value + "`";
  executor::TmpfsMount tmpfs = docker_tmpfs();
  for (const auto& [key, v] : keys) {
    if (key == "target" || key == "destination" || key == "dst") {
      tmpfs.target = v.value_or("");
    } else if (key == "readonly" || key == "ro") {
      tmpfs.readonly = mount_bool(value, key, v);
    } else if (key == "tmpfs-size") {
      tmpfs.size_bytes = tmpfs_size(v.value_or(""), what + ": tmpfs-size");
    } else if (key == "tmpfs-mode") {
      tmpfs.mode = octal_mode(v.value_or(""), what + ": tmpfs-mode");
    } else if (key != "type") {
      throw UsageError(what + ": unknown key `" + key + "` for a tmpfs mount");
    }
  }
  check_target(tmpfs.target, what);
  return tmpfs;
}

}  // namespace

void add_container_flags(CLI::App& command, ContainerFlags& flags) {
  command.add_flag("-i,--interactive", flags.interactive,
                   "Keep STDIN open: the container reads gantry's standard input (else /dev/null)");
  command.add_flag("-t,--tty", flags.tty, "Allocate a pseudo-TTY, relayed to gantry's terminal");
  command.add_option_function<std::string>(
      "--entrypoint", [&flags](const std::string& v) { flags.entrypoint = v; },
      "Overwrite the image's ENTRYPOINT (its CMD is dropped too); '' for none");
  command.add_option("--env-file", flags.env_files, "Read environment variables from a file (KEY=VALUE lines)")
      ->allow_extra_args(false);
  command.add_option("--mount", flags.mounts,
                     "Attach a mount: type=bind,source=HOST,target=PATH[,readonly] or "
                     "type=tmpfs,target=PATH[,tmpfs-size=SIZE][,tmpfs-mode=MODE]")
      ->allow_extra_args(false);
  command.add_option("--tmpfs", flags.tmpfs, "Mount a tmpfs: PATH[:OPTIONS] (e.g. /run:rw,size=64m,mode=1777)")
      ->allow_extra_args(false);
  command.add_flag("--read-only", flags.read_only, "Mount the container's root filesystem read-only");
  command.add_flag("--privileged", flags.privileged,
                   "Every capability, no seccomp profile, every host device, /sys writable");
  command.add_option("--cap-add", flags.cap_add, "Add a Linux capability (NET_ADMIN, CAP_SYS_TIME, ALL, ...)")
      ->allow_extra_args(false);
  command.add_option("--cap-drop", flags.cap_drop, "Drop a Linux capability (NET_RAW, ALL, ...)")
      ->allow_extra_args(false);
  command.add_option("-h,--hostname", flags.hostname, "The container's host name");
  command.add_flag("--init", flags.init,
                   "Run an init as PID 1 that forwards signals and reaps zombies (the command is its child)");
  add_sandbox_flags(command, flags.sandbox, "the container's");
  command.add_option_function<std::string>(
      "--name", [&flags](const std::string& v) { flags.name = v; },
      "Refused: gantry keeps no containers");
  command.add_flag("-d,--detach", flags.detach, "Refused: gantry keeps no containers");
}

void apply_container_flags(const ContainerFlags& flags, engine::ContainerRequest& request) {
  if (flags.name) {
    throw UsageError("--name `" + *flags.name + "`: " + kNoContainersKept + "a container is nameless and gone once it exits");
  }
  if (flags.detach) throw UsageError(std::string("--detach: ") + kNoContainersKept + "a container runs in the foreground");
  if (!flags.tty) {
    if (flags.interactive) request.stdio.in = STDIN_FILENO;
    request.stdio.out = STDOUT_FILENO;
    request.stdio.err = STDERR_FILENO;
  }
  request.entrypoint = flags.entrypoint;
  for (const auto& file : flags.env_files) {
    for (auto& entry : read_env_file(file)) request.env.push_back(std::move(entry));
  }
  for (const auto& value : flags.mounts) request.mounts.push_back(parse_mount(value));
  for (const auto& value : flags.tmpfs) request.mounts.emplace_back(parse_tmpfs(value));
  request.readonly_root = flags.read_only;
  request.privileged = flags.privileged;
  request.init = flags.init;
  request.hostname = flags.hostname;
  if (!flags.cap_add.empty() || !flags.cap_drop.empty()) {
    request.capabilities = executor::capabilities_of(flags.cap_add, flags.cap_drop, executor::last_capability());
  }
  request.extra_hosts = parse_extra_hosts(flags.sandbox.add_hosts);
  request.shm_bytes = parse_shm_size(flags.sandbox.shm_size);
  request.ulimits = parse_ulimits(flags.sandbox.ulimits);
}

std::optional<std::string> env_entry(const std::string& entry) {
  if (entry.find('=') != std::string::npos) return entry;
  const char* value = std::getenv(entry.c_str());
  if (!value) return std::nullopt;
  return entry + "=" + value;
}

std::vector<std::string> read_env_file(const fs::path& file) {
  std::istringstream lines(read_file(file));
  std::vector<std::string> entries;
  int number = 0;
  for (std::string line; std::getline(lines, line);) {
    ++number;
    if (number == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);  // a UTF-8 byte order mark
    const std::size_t first = line.find_first_not_of(kSpaces);
    if (first == std::string::npos || line[first] == '#') continue;
    line.erase(0, first);
    const std::size_t eq = line.find('=');
    std::string key = line.substr(0, eq);
    if (eq == std::string::npos) {
      // A bare name may end in spaces (or the CR of a Windows line end).
      key.erase(key.find_last_not_of(kSpaces) + 1);
    }
    const std::string where = "--env-file `" + file.string() + "` line " + std::to_string(number);
    if (key.empty()) throw UsageError(where + ": no variable name");
    if (has_space(key)) throw UsageError(where + ": the name `" + key + "` holds a space");
    if (eq != std::string::npos) {
      entries.push_back(line);
    } else if (auto entry = env_entry(key)) {
      entries.push_back(std::move(*entry));
    }
  }
  return entries;
}

executor::MountSpec parse_mount(const std::string& value) {
  std::map<std::string, std::optional<std::string>> keys;
  for (const std::string& field : split(value, ',')) {
    const std::size_t eq = field.find('=');
    const std::string key = field.substr(0, eq);
    if (key.empty()) throw UsageError("invalid --mount `" + value + "`: an empty field");
    if (keys.contains(key)) throw UsageError("invalid --mount `" + value + "`: `" + key + "` given twice");
    keys[key] = eq == std::string::npos ? std::nullopt : std::optional(field.substr(eq + 1));
  }
  const std::string type = keys.contains("type") ? keys["type"].value_or("") : "volume";
  if (type == "bind") return bind_mount(value, keys);
  if (type == "tmpfs") return tmpfs_mount(value, keys);
  if (type == "volume") {
    throw UsageError("invalid --mount `" + value +
                     "`: type=volume: gantry keeps no volumes (it has no daemon); use type=bind or type=tmpfs");
  }
  throw UsageError("invalid --mount `" + value + "`: type `" + type + "` is not bind or tmpfs");
}

executor::TmpfsMount parse_tmpfs(const std::string& value) {
  const std::size_t colon = value.find(':');
  executor::TmpfsMount tmpfs = docker_tmpfs();
  tmpfs.target = value.substr(0, colon);
  const std::string what = "invalid --tmpfs `" + value + "`";
  check_target(tmpfs.target, what);
  if (colon == std::string::npos) return tmpfs;
  for (const std::string& option : split(value.substr(colon + 1), ',')) {
    const std::size_t eq = option.find('=');
    const std::string key = option.substr(0, eq);
    const std::string v = eq == std::string::npos ? "" : option.substr(eq + 1);
    if (option == "ro" || option == "rw") {
      tmpfs.readonly = option == "ro";
    } else if (option == "exec" || option == "noexec") {
      tmpfs.noexec = option == "noexec";
    } else if (option == "suid" || option == "nosuid") {
      tmpfs.nosuid = option == "nosuid";
    } else if (option == "nodev") {
      // Every mount of gantry's is nodev already.
    } else if (key == "size" && eq != std::string::npos) {
      tmpfs.size_bytes = tmpfs_size(v, what + ": size");
    } else if (key == "mode" && eq != std::string::npos) {
      tmpfs.mode = octal_mode(v, what + ": mode");
    } else if ((key == "uid" || key == "gid" || key == "nr_inodes") && eq != std::string::npos && !v.empty() &&
               v.find_first_not_of("0123456789") == std::string::npos) {
      tmpfs.options.emplace_back(key, v);
    } else {
      throw UsageError(what + ": unknown or unsupported option `" + option + "`");
    }
  }
  return tmpfs;
}

}  // namespace gantry::cli

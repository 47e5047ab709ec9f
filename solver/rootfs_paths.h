// Path work inside a mounted image filesystem: symlinks are resolved as they would be inside
// the container (absolute targets start at its root, ".." stops at its root), so a symlink in
// an image can never send a file op to the host's files.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace gantry::solver {

// The host path that `path` (absolute inside `root`) names. With follow_last == false a
// symlink in the last component is not followed.
std::filesystem::path resolve_in_root(const std::filesystem::path& root, std::string_view path,
                                      bool follow_last = true);

// Looks a user or group up in <root>/etc/passwd or /etc/group; numbers are taken as they are.
// Throws Error naming the user when it is neither a number nor in the file.
uid_t lookup_uid(const std::filesystem::path& root, const std::string& user);
gid_t lookup_gid(const std::filesystem::path& root, const std::string& group);
// The primary group of a user name or uid from <root>/etc/passwd, if listed.
std::optional<gid_t> primary_gid(const std::filesystem::path& root, const std::string& user);

}  // namespace gantry::solver

#include "executor/user_lookup.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <optional>

#include "base/error.h"
#include "executor/path_in_root.h"

namespace gantry::executor {
namespace {

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find(sep, start);
    parts.push_back(text.substr(start, end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

std::optional<std::uint32_t> parse_id(std::string_view text) {
  std::uint32_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// BuildKit reads "root" as 0 where it takes both ids without a lookup.
std::optional<std::uint32_t> parse_id_or_root(std::string_view text) {
  return text == "root" ? std::optional<std::uint32_t>(0) : parse_id(text);
}

// Calls on_entry(fields) for each well-formed line with at least `min_fields` fields.
template <typename F>
void for_each_entry(std::string_view file, std::size_t min_fields, F on_entry) {
  for (std::string_view line : split(file, '\n')) {
    if (line.empty() || line.front() == '#') continue;
    const std::vector<std::string_view> fields = split(line, ':');
    if (fields.size() >= min_fields) on_entry(fields);
  }
}

// Files in an image are untrusted: only a regular file is read (not a FIFO or /dev/zero).
std::string read_root_file(int root_fd, const char* path) {
  UniqueFd fd = try_open_in_root(root_fd, path, O_RDONLY | O_NONBLOCK);
  if (!fd) {
    if (errno == ENOENT || errno == ENOTDIR) return {};
    throw_errno(std::string("open ") + path + " in the container");
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    throw Error(std::string(path) + " in the container: not a regular file");
  }
  std::string text(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::read(fd.get(), text.data() + done, text.size() - done);
    if (n < 0) throw_errno(std::string("read ") + path + " in the container");
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  text.resize(done);
  return text;
}

}  // namespace

Identity resolve_user(std::string_view user, std::string_view passwd, std::string_view group) {
  const std::size_t colon = user.find(':');
  std::string_view user_part = user.substr(0, colon);
  const std::string_view group_part =
      colon == std::string_view::npos ? std::string_view() : user.substr(colon + 1);
  if (user_part.empty()) user_part = "0";

  Identity id;
  std::optional<std::string_view> user_name;
  const std::optional<std::uint32_t> wanted_uid = parse_id(user_part);
  const std::optional<std::uint32_t> wanted_gid = parse_id(group_part);
  // Both ids given: BuildKit takes them as they are and looks no name up (passwd is read for
  // the home directory only, as runc does).
  const std::optional<std::uint32_t> given_uid = parse_id_or_root(user_part);
  const std::optional<std::uint32_t> given_gid = parse_id_or_root(group_part);
  for_each_entry(passwd, 7, [&](const std::vector<std::string_view>& f) {
    if (user_name) return;
    const bool match = wanted_uid ? parse_id(f[2]) == wanted_uid : f[0] == user_part;
    if (!match) return;
    const std::optional<std::uint32_t> uid = parse_id(f[2]);
    const std::optional<std::uint32_t> gid = parse_id(f[3]);
    if (!uid || !gid) return;
    user_name = f[0];
    id.uid = *uid;
    id.gid = *gid;
    if (!f[5].empty()) id.home = std::string(f[5]);
  });
  if (given_uid && given_gid) {
    id.uid = *given_uid;
    id.gid = *given_gid;
    id.supplementary_gids = {id.gid};
    return id;
  }
  if (!user_name) {
    if (!wanted_uid) {
      throw Error("unknown user `" + std::string(user_part) +
                  "`: no matching entry in /etc/passwd");
    }
    id.uid = *wanted_uid;
  }

  if (!group_part.empty()) {
    bool found = false;
    for_each_entry(group, 3, [&](const std::vector<std::string_view>& f) {
      if (found) return;
      const std::optional<std::uint32_t> gid = parse_id(f[2]);
      if (!gid || (wanted_gid ? gid != wanted_gid : f[0] != group_part)) return;
      found = true;
      id.gid = *gid;
    });
    if (!found && !wanted_gid) {
      throw Error("unknown group `" + std::string(group_part) +
                  "`: no matching entry in /etc/group");
    }
    if (!found) id.gid = *wanted_gid;
    id.supplementary_gids = {id.gid};  // an explicit group: memberships are not looked up
    return id;
  }

  id.supplementary_gids.push_back(id.gid);
  if (user_name) {
    for_each_entry(group, 4, [&](const std::vector<std::string_view>& f) {
      const std::optional<std::uint32_t> gid = parse_id(f[2]);
      if (!gid) return;
      const std::vector<std::string_view> members = split(f[3], ',');
      if (std::find(members.begin(), members.end(), *user_name) == members.end()) return;
      if (std::find(id.supplementary_gids.begin(), id.supplementary_gids.end(), *gid) ==
          id.supplementary_gids.end()) {
        id.supplementary_gids.push_back(*gid);
      }
    });
  }
  return id;
}

Identity resolve_user_in_root(int root_fd, std::string_view user) {
  return resolve_user(user, read_root_file(root_fd, "etc/passwd"),
                      read_root_file(root_fd, "etc/group"));
}

}  // namespace gantry::executor

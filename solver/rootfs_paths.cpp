#include "solver/rootfs_paths.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <vector>

#include "base/error.h"

namespace gantry::solver {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> components(std::string_view path) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : path) {
    if (c == '/') {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

std::optional<unsigned> as_number(const std::string& s) {
  unsigned v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// Finds the line of `file` whose first field is `name` (or whose third field is `id`) and
// returns its fields.
std::optional<std::vector<std::string>> find_entry(const fs::path& file, const std::string& name,
                                                   std::optional<unsigned> id = std::nullopt) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    std::string cur;
    for (char c : line) {
      if (c == ':') {
        fields.push_back(cur);
        cur.clear();
      } else {
        cur += c;
      }
    }
    fields.push_back(cur);
    if (fields.size() < 3) continue;
    if (fields[0] == name || (id && fields[2] == std::to_string(*id))) return fields;
  }
  return std::nullopt;
}

}  // namespace

fs::path resolve_in_root(const fs::path& root, std::string_view path, bool follow_last) {
  std::vector<std::string> pending = components(path);
  std::reverse(pending.begin(), pending.end());  // a stack: back() is the next component
  std::vector<std::string> resolved;
  int links = 0;
  while (!pending.empty()) {
    std::string comp = std::move(pending.back());
    pending.pop_back();
    if (comp == ".") continue;
    if (comp == "..") {
      if (!resolved.empty()) resolved.pop_back();
      continue;
    }
    fs::path host = root;
    for (const auto& r : resolved) host /= r;
    host /= comp;
    struct stat st;
    bool last = pending.empty();
    if (::lstat(host.c_str(), &st) == 0 && S_ISLNK(st.st_mode) && (!last || follow_last)) {
      if (++links > 40) throw Error("too many levels of symbolic links in `" + std::string(path) + "`");
      std::string target = fs::read_symlink(host).string();
      if (!target.empty() && target[0] == '/') resolved.clear();
      auto parts = components(target);
      for (auto it = parts.rbegin(); it != parts.rend(); ++it) pending.push_back(*it);
      continue;
    }
    resolved.push_back(std::move(comp));
  }
  fs::path out = root;
  for (const auto& r : resolved) out /= r;
  return out;
}

uid_t lookup_uid(const fs::path& root, const std::string& user) {
  if (auto n = as_number(user)) return *n;
  if (auto e = find_entry(resolve_in_root(root, "/etc/passwd"), user))
    if (auto n = as_number((*e)[2])) return *n;
  throw Error("unable to find user " + user + ": no matching entries in passwd file");
}

gid_t lookup_gid(const fs::path& root, const std::string& group) {
  if (auto n = as_number(group)) return *n;
  if (auto e = find_entry(resolve_in_root(root, "/etc/group"), group))
    if (auto n = as_number((*e)[2])) return *n;
  throw Error("unable to find group " + group + ": no matching entries in group file");
}

std::optional<gid_t> primary_gid(const fs::path& root, const std::string& user) {
  auto e = find_entry(resolve_in_root(root, "/etc/passwd"), user, as_number(user));
  if (!e || e->size() < 4) return std::nullopt;
  if (auto n = as_number((*e)[3])) return *n;
  return std::nullopt;
}

}  // namespace gantry::solver

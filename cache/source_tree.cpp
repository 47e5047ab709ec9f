#include "cache/source_tree.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <set>

#include "base/error.h"

namespace gantry::cache {

namespace fs = std::filesystem;

namespace {

// Linux's own limit on the symlinks one lookup may follow.
constexpr int kMaxLinks = 40;

std::vector<std::string> components(std::string_view path) {
  std::vector<std::string> parts;
  // A plain scan: clang 14 cannot compile libstdc++ 12's views::split of a string_view.
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    const std::string_view name = path.substr(start, end - start);
    if (!name.empty() && name != ".") parts.emplace_back(name);
    start = end + 1;
  }
  return parts;
}


UniqueFd open_path(int dir_fd, const char* name, int flags, const std::string& what) {
  UniqueFd fd(::openat(dir_fd, name, flags | O_PATH | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) throw_errno("open `" + what + "`");
  return fd;
}

std::string read_link_at(int dir_fd, const std::string& name, const std::string& what) {
  char target[4096];
  const ssize_t n = ::readlinkat(dir_fd, name.c_str(), target, sizeof target);
  if (n < 0) throw_errno("read link `" + what + "`");
  return std::string(target, static_cast<std::size_t>(n));
}

}  // namespace

bool has_wildcard(std::string_view pattern) { return pattern.find_first_of("*?[") != std::string_view::npos; }

std::string join_relative(const std::string& dir, const std::string& name) {
  return dir.empty() ? name : dir + "/" + name;
}

SourceTree::SourceTree(fs::path root, ExcludeRules rules)
    : root_(std::move(root)),
      rules_(std::move(rules)),
      root_fd_(::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC)) {
  if (!root_fd_) throw_errno("open directory `" + root_.string() + "`");
}

std::optional<SourceTree::Entry> SourceTree::find(std::string_view path, bool follow_last) const {
  std::vector<std::string> pending = components(path);
  std::reverse(pending.begin(), pending.end());  // a stack: back() is the next component
  // The directories walked into so far: dirs[0] is the root, dirs[i + 1] is names[i].
  std::vector<UniqueFd> dirs;
  std::vector<std::string> names;
  dirs.emplace_back(::dup(root_fd_.get()));
  if (!dirs.back()) throw_errno("open `" + root_.string() + "`");
  auto walked = [&] {
    std::string p;
    for (const auto& n : names) p = join_relative(p, n);
    return p;
  };
  int links = 0;
  while (!pending.empty()) {
    std::string name = std::move(pending.back());
    pending.pop_back();
    if (name == "..") {  // lexical, as the kernel does it; at the root it stays there
      if (!names.empty()) {
        names.pop_back();
        dirs.pop_back();
      }
      continue;
    }
    const int dir = dirs.back().get();
    std::string here = join_relative(walked(), name);
    struct stat st;
    if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
      throw_errno("stat `" + here + "`");
    }
    if (S_ISLNK(st.st_mode) && (!pending.empty() || follow_last)) {
      if (rules_.excluded(here)) return std::nullopt;  // the link itself is not in the tree
      if (++links > kMaxLinks)
        throw Error("`" + std::string(path) + "`: too many levels of symbolic links");
      const std::string target = read_link_at(dir, name, here);
      if (target.starts_with('/')) {  // absolute: from the tree's root, never the host's
        names.clear();
        dirs.resize(1);
      }
      std::vector<std::string> parts = components(target);
      for (auto it = parts.rbegin(); it != parts.rend(); ++it) pending.push_back(std::move(*it));
      continue;
    }
    if (pending.empty())
      return visible(Entry{std::move(here), std::move(dirs.back()), std::move(name), st});
    if (!S_ISDIR(st.st_mode)) return std::nullopt;
    dirs.push_back(open_path(dir, name.c_str(), O_DIRECTORY, here));
    names.push_back(std::move(name));
  }
  // The walk ended in a directory it had gone into (the root, or by "..", or a link's target).
  Entry entry;
  if (names.empty()) {
    entry = Entry{"", std::move(dirs.front()), ".", {}};
  } else {
    entry = Entry{walked(), std::move(dirs[dirs.size() - 2]), names.back(), {}};
  }
  if (::fstatat(entry.parent.get(), entry.name.c_str(), &entry.st, AT_SYMLINK_NOFOLLOW) != 0)
    throw_errno("stat `" + entry.path + "`");
  return visible(std::move(entry));
}

std::optional<SourceTree::Entry> SourceTree::visible(Entry entry) const {
  if (entry.path.empty() || !rules_.excluded(entry.path)) return entry;
  if (S_ISDIR(entry.st.st_mode) && rules_.may_reinclude_below(entry.path) &&
      holds_below(entry.parent.get(), entry.name, entry.path))
    return entry;
  return std::nullopt;
}

bool SourceTree::holds(int dir_fd, const DirectoryEntry& entry, const std::string& path) const {
  if (!rules_.excluded(path)) return true;
  return entry.error == 0 && S_ISDIR(entry.st.st_mode) && rules_.may_reinclude_below(path) &&
         holds_below(dir_fd, entry.name, path);
}

bool SourceTree::holds_below(int dir_fd, const std::string& name, const std::string& path) const {
  const UniqueFd dir = open_directory_at(dir_fd, name.c_str(), path);
  // The first path held will do: no need to list (or look into) the rest.
  for (const auto& entry : stat_directory(dir.get(), path))
    if (holds(dir.get(), entry, join_relative(path, entry.name))) return true;
  return false;
}

std::vector<DirectoryEntry> SourceTree::entries(int dir_fd, const std::string& dir) const {
  if (rules_.empty()) return stat_directory(dir_fd, dir);
  // Decided by name before the stat where it can be: only an excluded directory that may hold
  // a re-included path needs its type, and a look inside.
  std::set<std::string> undecided;
  auto list = stat_directory(dir_fd, dir, [&](const std::string& name) {
    const std::string path = join_relative(dir, name);
    if (!rules_.excluded(path)) return true;
    if (!rules_.may_reinclude_below(path)) return false;
    undecided.insert(name);
    return true;
  });
  std::erase_if(list, [&](const DirectoryEntry& e) {
    if (!undecided.count(e.name)) return false;
    return e.error != 0 || !S_ISDIR(e.st.st_mode) ||
           !holds_below(dir_fd, e.name, join_relative(dir, e.name));
  });
  return list;
}

std::vector<std::string> SourceTree::glob(std::string_view pattern) const {
  const std::vector<std::string> parts = components(pattern);
  std::vector<std::string> current{""};  // real paths of the directories matched so far
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string& part = parts[i];
    const bool last = i + 1 == parts.size();
    std::vector<std::string> candidates, next;
    for (const auto& dir : current) {
      if (!has_wildcard(part)) {
        candidates.push_back(join_relative(dir, part));
        continue;
      }
      auto found = find(dir, true);
      if (!found || !S_ISDIR(found->st.st_mode)) continue;
      const UniqueFd fd = open_directory_at(found->parent.get(), found->name.c_str(), dir);
      // Go's filepath.Match (BuildKit's): no special case for a leading dot.
      for (const auto& e : entries(fd.get(), dir)) {
        if (::fnmatch(part.c_str(), e.name.c_str(), 0) != 0) continue;
        // A last match was listed as in the tree: it needs no second look.
        (last ? next : candidates).push_back(join_relative(dir, e.name));
      }
    }
    for (auto& c : candidates) {
      auto found = find(c, !last);
      if (!found || (!last && !S_ISDIR(found->st.st_mode))) continue;
      next.push_back(last ? std::move(c) : std::move(found->path));
    }
    current = std::move(next);
  }
  std::sort(current.begin(), current.end());
  current.erase(std::unique(current.begin(), current.end()), current.end());
  return current;
}

UniqueFd SourceTree::open(const Entry& entry, int flags) const {
  UniqueFd fd(::openat(entry.parent.get(), entry.name.c_str(), flags | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) throw_errno("open `" + (entry.path.empty() ? std::string(".") : entry.path) + "`");
  return fd;
}

}  // namespace gantry::cache

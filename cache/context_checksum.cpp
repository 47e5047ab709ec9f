#include "cache/context_checksum.h"

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "base/error.h"
#include "base/unique_fd.h"
#include "cache/directory_entries.h"

namespace gantry::cache {

namespace fs = std::filesystem;

namespace {

std::int64_t ns_of(const struct timespec& ts) {
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

std::vector<std::string> split_components(std::string_view pattern) {
  std::vector<std::string> parts;
  std::string cur;
  for (char c : pattern) {
    if (c == '/') {
      if (!cur.empty() && cur != ".") parts.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty() && cur != ".") parts.push_back(cur);
  return parts;
}

std::string join(const std::string& dir, const std::string& name) {
  return dir.empty() ? name : dir + "/" + name;
}

std::vector<std::string> sorted_entries(const fs::path& dir) {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  if (!d) throw_errno("read directory `" + dir.string() + "`");
  while (auto* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (n != "." && n != "..") names.emplace_back(n);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

bool has_wildcard(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

}  // namespace

ContextChecksummer::ContextChecksummer(Database& db, fs::path root, ExcludePredicate excluded,
                                       std::int64_t racy_window_ns)
    : db_(db), root_(std::move(root)), root_prefix_(root_.string() + "/"), excluded_(std::move(excluded)),
      racy_window_ns_(racy_window_ns) {}

ContextChecksummer::~ContextChecksummer() {
  try {
    save();
  } catch (...) {
    // Remembered hashes are an optimisation; losing them costs only a re-read next time.
  }
}

void ContextChecksummer::load_known() {
  if (loaded_) return;
  loaded_ = true;
  {
    auto count = db_.prepare("SELECT COUNT(*) FROM file_hashes WHERE path >= ? AND path < ?");
    count.bind(1, root_prefix_).bind(2, root_.string() + "0");
    count.step();
    known_.reserve(static_cast<std::size_t>(count.integer(0)));
  }
  auto st = db_.prepare(
      "SELECT path, size, mtime_ns, ctime_ns, inode, device, hash FROM file_hashes "
      "WHERE path >= ? AND path < ?");
  st.bind(1, root_prefix_).bind(2, root_.string() + "0");  // '0' sorts right after '/'
  while (st.step())
    known_.emplace(st.text(0), Known{st.integer(1), st.integer(2), st.integer(3), st.integer(4),
                                     st.integer(5), st.text(6)});
}

void ContextChecksummer::save() {
  if (fresh_.empty()) return;
  Database::Transaction tx(db_);
  auto st = db_.prepare(
      "INSERT OR REPLACE INTO file_hashes(path, size, mtime_ns, ctime_ns, inode, device, hash) "
      "VALUES(?, ?, ?, ?, ?, ?, ?)");
  for (const auto& [path, k] : fresh_) {
    st.bind(1, path).bind(2, k.size).bind(3, k.mtime_ns).bind(4, k.ctime_ns).bind(5, k.inode);
    st.bind(6, k.device).bind(7, k.hash);
    st.run();
    st.reset();
  }
  tx.commit();
  fresh_.clear();
}

std::string_view ContextChecksummer::file_hash(const std::string& path, const struct stat& st) {
  load_known();
  Known now{st.st_size, ns_of(st.st_mtim), ns_of(st.st_ctim), static_cast<std::int64_t>(st.st_ino),
            static_cast<std::int64_t>(st.st_dev), {}};
  auto it = known_.find(path);
  if (it != known_.end() && it->second.size == now.size && it->second.mtime_ns == now.mtime_ns &&
      it->second.ctime_ns == now.ctime_ns && it->second.inode == now.inode &&
      it->second.device == now.device)
    return it->second.hash;
  now.hash = sha256_of_file(path).hex();
  ++files_hashed_;
  last_hashed_ = now.hash;
  struct timespec wall;
  ::clock_gettime(CLOCK_REALTIME, &wall);
  // A file written within the window could change again inside the same timestamp tick
  // without its metadata showing it: hash it, but do not remember the hash.
  if (ns_of(wall) - std::max(now.mtime_ns, now.ctime_ns) > racy_window_ns_)
    fresh_.emplace_back(path, std::move(now));
  return last_hashed_;
}

void ContextChecksummer::hash_tree(const std::string& relative, Sha256& out) {
  const fs::path full = relative.empty() ? root_ : root_ / relative;
  struct stat st;
  if (::lstat(full.c_str(), &st) != 0) throw_errno("context path `" + relative + "`");
  UniqueFd parent(::open(full.parent_path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!parent) throw_errno("open `" + full.parent_path().string() + "`");
  hash_entry(relative, st, parent.get(), full.filename().c_str(), out);
}

// Stats and reads relative to the parent directory's fd: a 20,000-file context is walked
// without resolving a full path per file.
void ContextChecksummer::hash_entry(const std::string& relative, const struct stat& st,
                                    int parent_fd, const char* name, Sha256& out) {
  // relative \0 mode \0 uid:gid \0, fed in pieces: no string to allocate per entry.
  char numbers[64];
  const int length = std::snprintf(numbers, sizeof numbers, "%u%c%u:%u%c", static_cast<unsigned>(st.st_mode), '\0',
                                   static_cast<unsigned>(st.st_uid), static_cast<unsigned>(st.st_gid), '\0');
  out.update(relative.data(), relative.size());
  out.update("", 1);
  out.update(numbers, static_cast<std::size_t>(length));
  entries_.append(relative).append(1, '\0').append(numbers, static_cast<std::size_t>(length));
  if (S_ISREG(st.st_mode)) {
    const std::string_view hash =
        file_hash(relative.empty() ? root_.string() : root_prefix_ + relative, st);
    out.update(hash);
    entries_.append(hash.substr(0, 16));
  } else if (S_ISLNK(st.st_mode)) {
    char target[4096];
    ssize_t n = ::readlinkat(parent_fd, name, target, sizeof target);
    if (n < 0) throw_errno("read link `" + relative + "`");
    out.update(target, static_cast<std::size_t>(n));
    entries_.append(target, static_cast<std::size_t>(n));
  }
  entries_.push_back('\0');
  if (S_ISDIR(st.st_mode)) {
    const UniqueFd dir = open_directory_at(parent_fd, name, relative);
    const auto entries = stat_directory(dir.get(), relative, [&](const std::string& n) {
      return !excluded_ || !excluded_(join(relative, n));
    });
    for (const auto& entry : entries) {
      std::string child = join(relative, entry.name);
      if (entry.error != 0) throw errno_error("context path `" + child + "`", entry.error);
      hash_entry(child, entry.st, dir.get(), entry.name.c_str(), out);
    }
  }
  out.update("\n");
}

std::vector<std::string> glob_paths(const fs::path& root, std::string_view pattern,
                                    const ExcludePredicate& excluded) {
  std::vector<std::string> current{""};
  for (const auto& part : split_components(pattern)) {
    std::vector<std::string> next;
    for (const auto& dir : current) {
      if (!has_wildcard(part)) {
        std::string p = join(dir, part);
        struct stat st;
        if (::lstat((root / p).c_str(), &st) == 0 && !(excluded && excluded(p)))
          next.push_back(p);
        continue;
      }
      std::error_code ec;
      if (!fs::is_directory(root / dir, ec)) continue;
      for (const auto& name : sorted_entries(root / dir)) {
        std::string p = join(dir, name);
        if (::fnmatch(part.c_str(), name.c_str(), FNM_PERIOD) == 0 && !(excluded && excluded(p)))
          next.push_back(p);
      }
    }
    current = std::move(next);
  }
  std::sort(current.begin(), current.end());
  return current;
}

Digest ContextChecksummer::checksum(std::string_view pattern) {
  Sha256 out;
  out.update("pattern\0", 8);
  for (const auto& path : matches(pattern)) {
    auto [it, inserted] = memo_.try_emplace(path);
    if (inserted) {
      Sha256 tree;
      hash_tree(path, tree);
      it->second = tree.finish();
    }
    out.update(it->second.hex());
  }
  return out.finish();
}

}  // namespace gantry::cache

#include "cache/context_checksum.h"

#include <fcntl.h>
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

}  // namespace

ContextChecksummer::ContextChecksummer(Database& db, fs::path root, ExcludeRules rules,
                                       std::int64_t racy_window_ns)
    : db_(db), tree_(std::move(root), std::move(rules)), root_prefix_(tree_.root().string() + "/"),
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
    count.bind(1, root_prefix_).bind(2, tree_.root().string() + "0");
    count.step();
    known_.reserve(static_cast<std::size_t>(count.integer(0)));
  }
  auto st = db_.prepare(
      "SELECT path, size, mtime_ns, ctime_ns, inode, device, hash FROM file_hashes "
      "WHERE path >= ? AND path < ?");
  st.bind(1, root_prefix_).bind(2, tree_.root().string() + "0");  // '0' sorts right after '/'
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

std::string_view ContextChecksummer::file_hash(const std::string& relative, const struct stat& st,
                                               int parent_fd, const char* name) {
  load_known();
  const std::string path = relative.empty() ? tree_.root().string() : root_prefix_ + relative;
  Known now{st.st_size, ns_of(st.st_mtim), ns_of(st.st_ctim), static_cast<std::int64_t>(st.st_ino),
            static_cast<std::int64_t>(st.st_dev), {}};
  auto it = known_.find(path);
  if (it != known_.end() && it->second.size == now.size && it->second.mtime_ns == now.mtime_ns &&
      it->second.ctime_ns == now.ctime_ns && it->second.inode == now.inode &&
      it->second.device == now.device)
    return it->second.hash;
  // Read through the directory's fd, never by path: nothing on the way can be a link.
  const UniqueFd file(::openat(parent_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!file) throw_errno("open context file `" + relative + "`");
  now.hash = sha256_of_fd(file.get(), "context file `" + relative + "`").hex();
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
    const std::string_view hash = file_hash(relative, st, parent_fd, name);
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
    for (const auto& entry : tree_.entries(dir.get(), relative)) {
      std::string child = join_relative(relative, entry.name);
      if (entry.error != 0) throw errno_error("context path `" + child + "`", entry.error);
      hash_entry(child, entry.st, dir.get(), entry.name.c_str(), out);
    }
  }
  out.update("\n");
}

Digest ContextChecksummer::checksum(std::string_view pattern) {
  Sha256 out;
  out.update("pattern\0", 8);
  for (const auto& path : matches(pattern)) {
    // What COPY copies: a link the pattern names is followed (inside the context).
    auto found = tree_.find(path, true);
    if (!found) {  // a link to nothing: COPY fails on it, and the key says so
      out.update("missing\0", 8);
      out.update(path);
      continue;
    }
    auto [it, inserted] = memo_.try_emplace(found->path);
    if (inserted) {
      Sha256 tree;
      hash_entry(found->path, found->st, found->parent.get(), found->name.c_str(), tree);
      it->second = tree.finish();
    }
    out.update(it->second.hex());
  }
  return out.finish();
}

}  // namespace gantry::cache

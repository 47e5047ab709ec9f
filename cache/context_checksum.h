// Content checksums of what a COPY reads from a local directory (the build context), so that
// a change to b.txt does not invalidate `COPY a.txt .`.
//
// The checksum of a path covers, for it and everything below it: the relative path, the file
// type, mode, uid and gid, symlink targets and file contents; never mtimes. The context is read
// as a SourceTree: paths resolve inside it, and excluded paths (.dockerignore) are left out as
// if they did not exist.
//
// File content hashes are remembered in the metadata database keyed by absolute path and
// validated by (size, mtime, ctime, inode, device), so an unchanged 20,000-file context is
// re-verified with stat() alone. Because the key is the path and the validators include inode
// and ctime (which every write and rename changes), two files can never be given each other's
// hash; a file changed within the same clock tick as its last hash ("racy") is not remembered.
#pragma once

#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/digest.h"
#include "cache/source_tree.h"
#include "cache/sqlite_db.h"

namespace gantry::cache {

class ContextChecksummer {
 public:
  // racy_window_ns: files changed less than this long ago are hashed but not remembered.
  ContextChecksummer(Database& db, std::filesystem::path root, ExcludeRules rules,
                     std::int64_t racy_window_ns = 2'000'000'000);
  ~ContextChecksummer();  // saves new file hashes
  ContextChecksummer(const ContextChecksummer&) = delete;
  ContextChecksummer& operator=(const ContextChecksummer&) = delete;

  // The checksum of `pattern` (relative or '/'-rooted inside the context, may hold * ? [...]
  // wildcards per path component) as COPY reads it: a symlink it names is followed, inside the
  // context. A pattern that matches nothing gets a distinct checksum.
  Digest checksum(std::string_view pattern);

  std::vector<std::string> matches(std::string_view pattern) const { return tree_.glob(pattern); }

  std::size_t files_hashed() const { return files_hashed_; }  // contents read this run

  // Every entry the checksums so far covered, in the order walked, as four NUL-terminated
  // fields: its path, mode, uid:gid, and the start of its content hash or its link target
  // (empty for other types). What names the files behind a changed checksum
  // (solver/context_listing.h); one buffer, so keeping it costs no allocation per entry.
  const std::string& entries() const { return entries_; }

 private:
  struct Known {
    std::int64_t size, mtime_ns, ctime_ns, inode, device;
    std::string hash;
  };
  void load_known();
  void hash_entry(const std::string& relative, const struct stat& st, int parent_fd,
                  const char* name, Sha256& out);
  // The hex digest of the file `name` in `parent_fd`, valid until the next call.
  std::string_view file_hash(const std::string& relative, const struct stat& st, int parent_fd,
                             const char* name);
  void save();

  Database& db_;
  SourceTree tree_;
  std::string root_prefix_;  // the root + "/": a file's key is built by appending, not parsing
  std::int64_t racy_window_ns_;
  bool loaded_ = false;
  std::unordered_map<std::string, Known> known_;
  std::vector<std::pair<std::string, Known>> fresh_;
  std::unordered_map<std::string, Digest> memo_;  // relative path -> tree checksum, this run
  std::size_t files_hashed_ = 0;
  std::string last_hashed_;  // what file_hash() returned for a file it had to read
  std::string entries_;
};

}  // namespace gantry::cache

// A directory tree that COPY, ADD and RUN --mount=type=bind read from: the build context, or the
// mounted root of a stage or image. Paths are walked from the tree's root fd one component at a
// time, and the kernel never follows a symlink on the way: the walk reads each link and goes
// on from the tree's root for an absolute target, and ".." stops at the root, as inside a
// container. So `ln -s / hostroot` + `COPY hostroot/etc/shadow` looks for <tree>/etc/shadow,
// never the host's, as in BuildKit (which copies the context into a snapshot first).
//
// What the tree's exclude rules (the .dockerignore) leave out is not in the tree at all: a walk
// through an excluded path finds nothing, and listings leave it out, but an excluded directory
// holding a re-included path (`build/` + `!build/keep.txt`) is kept with just that path.
//
//   SourceTree context(dir, rules);
//   if (auto found = context.find("hostroot/etc/shadow", true)) ...  // <dir>/etc/shadow, if any
//   for (const auto& e : context.entries(dir_fd, "src")) ...        // what COPY sees of src/
//
// A SourceTree holds an fd of the root for its lifetime; its methods may be called from several
// threads at once.
#pragma once

#include <sys/stat.h>

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/unique_fd.h"
#include "cache/directory_entries.h"

namespace gantry::cache {

// A question about a path relative to a tree's root ('/'-separated, no leading '/').
using PathTest = std::function<bool(std::string_view relative_path)>;

// What a .dockerignore leaves out: `excluded` says whether a path is left out (the last pattern
// matching it or a parent decides), `may_reinclude_below` whether anything below an excluded
// directory can be brought back by a `!` pattern, so that a walk need not look inside when not.
class ExcludeRules {
 public:
  ExcludeRules() = default;  // nothing is excluded
  // Not explicit: a predicate alone is a set of rules without `!` exceptions.
  ExcludeRules(PathTest excluded, PathTest may_reinclude_below = {})  // NOLINT
      : excluded_(std::move(excluded)), may_reinclude_below_(std::move(may_reinclude_below)) {}

  bool empty() const { return !excluded_; }
  bool excluded(std::string_view path) const { return excluded_ && excluded_(path); }
  bool may_reinclude_below(std::string_view dir) const {
    return may_reinclude_below_ && may_reinclude_below_(dir);
  }

 private:
  PathTest excluded_;
  PathTest may_reinclude_below_;
};

class SourceTree {
 public:
  // Opens `root` (following a symlink there: the root is the caller's choice). Throws Error
  // naming it when it is not a directory that can be opened.
  explicit SourceTree(std::filesystem::path root, ExcludeRules rules = {});

  const std::filesystem::path& root() const { return root_; }
  int root_fd() const { return root_fd_.get(); }
  const ExcludeRules& rules() const { return rules_; }

  // A path found in the tree.
  struct Entry {
    std::string path;   // relative to the root, with every symlink on the way resolved ("" = root)
    UniqueFd parent;    // an O_PATH fd of the directory holding it (for the root: the root)
    std::string name;   // its name in `parent` ("." for the root)
    struct stat st {};  // its lstat
  };

  // Looks `path` (relative or '/'-rooted) up; a symlink in the last component is followed too
  // when `follow_last`. Nothing when it is not in the tree (missing, excluded, or a non-directory
  // in the middle). Throws Error naming the path for a link loop or an unreadable directory.
  std::optional<Entry> find(std::string_view path, bool follow_last) const;

  // The paths that `pattern` (relative or '/'-rooted; * ? [...] wildcards per component, as
  // Go's filepath.Match: `*` matches a leading dot too) matches, sorted: symlinks on the way are
  // resolved (the prefixes are real paths in the tree), the last component is not followed.
  std::vector<std::string> glob(std::string_view pattern) const;

  // The entries of the directory `dir_fd` (at `dir` in the tree) that the tree holds, sorted.
  std::vector<DirectoryEntry> entries(int dir_fd, const std::string& dir) const;

  // Whether `entry`, listed by stat_directory in `dir_fd` and at `path` in the tree, is in it.
  bool holds(int dir_fd, const DirectoryEntry& entry, const std::string& path) const;

  // Opens a found entry (not following a symlink: a followed one was resolved by find()).
  UniqueFd open(const Entry& entry, int flags) const;

 private:
  // `entry`, or nothing when the rules leave it out.
  std::optional<Entry> visible(Entry entry) const;
  // Whether anything below the excluded directory `name` in `dir_fd` (at `path`) is re-included.
  bool holds_below(int dir_fd, const std::string& name, const std::string& path) const;

  std::filesystem::path root_;
  ExcludeRules rules_;
  UniqueFd root_fd_;
};

// Whether `pattern` holds a glob() wildcard (* ? [).
bool has_wildcard(std::string_view pattern);

// "a" + "b" -> "a/b"; "" + "b" -> "b".
std::string join_relative(const std::string& dir, const std::string& name);

}  // namespace gantry::cache

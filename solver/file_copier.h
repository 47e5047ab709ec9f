// Copies files from a source tree (the build context, a stage) to a destination directory the way
// COPY does: contents, modes, owners (or a forced owner), times, symlinks (as links), special
// files; what the tree excludes is left out. The source is read only through directory fds of
// the SourceTree, so a symlink in it is copied, never followed to the host.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "base/symbolic_mode.h"
#include "cache/source_tree.h"

namespace gantry::solver {

struct CopyAttributes {
  std::optional<uid_t> uid;  // forced owner (--chown, or 0 for files from the build context)
  std::optional<gid_t> gid;
  std::optional<std::uint32_t> mode;  // --chmod
  std::optional<SymbolicMode> symbolic_mode;  // --chmod=u+x: each file's mode changed
};

class FileCopier {
 public:
  FileCopier(const cache::SourceTree& source, CopyAttributes attrs) : source_(source), attrs_(attrs) {}

  // Copies `src` (found in the source tree) to dest (a host path), replacing what is there; a
  // directory is merged into an existing directory.
  void copy(const cache::SourceTree::Entry& src, const std::filesystem::path& dest) const;
  // Copies the entry `name` of the directory `parent_fd` (at `relative` in the tree), whose lstat
  // is `st`, to dest, as copy() does.
  void copy(int parent_fd, const std::string& name, const std::string& relative, const struct stat& st,
            const std::filesystem::path& dest) const {
    copy_entry(parent_fd, name, relative, st, dest, false);
  }
  // Copies the entries inside the directory `src` into the directory dest.
  void copy_contents(const cache::SourceTree::Entry& src, const std::filesystem::path& dest) const;
  // Makes the directory dest, unless there is one (anything else there, a symlink too, is
  // replaced), as a copy of the directory whose lstat is
  // `st` without its entries (COPY --parents: the directories on the way to what it copies).
  // Its metadata is set by finish_directory(), once what goes in it is there.
  void make_directory(const std::filesystem::path& dest) const;
  void finish_directory(const std::filesystem::path& dest, const struct stat& st) const {
    apply_metadata(dest, st);
  }

 private:
  // Copies `name` in `parent_fd` (at `relative` in the tree), whose lstat is `st`. `dest_absent`:
  // the caller knows nothing is at dest (its directory was made just now).
  void copy_entry(int parent_fd, const std::string& name, const std::string& relative, const struct stat& st,
                  const std::filesystem::path& dest, bool dest_absent) const;
  void copy_children(int parent_fd, const std::string& name, const std::string& relative,
                     const std::filesystem::path& dest, bool dest_is_new) const;
  void copy_file(int parent_fd, const std::string& name, const std::string& relative, const struct stat& st,
                 const std::filesystem::path& dest) const;
  void apply_metadata(const std::filesystem::path& dest, const struct stat& st) const;
  // The mode the copy of a file whose lstat is `st` gets.
  mode_t mode_of(const struct stat& st) const;
  void apply_metadata(int fd, const std::filesystem::path& dest, const struct stat& st) const;

  const cache::SourceTree& source_;
  CopyAttributes attrs_;
  // Cleared by the first copy_file_range that cannot copy between these trees (the destination
  // is usually an overlay mount): the rest go straight to sendfile.
  mutable std::atomic<bool> copy_range_works_{true};
};

// Unpacks the tar archive open at `archive_fd` (any compression libarchive knows; `label` names it
// in errors) into dest, as ADD does for local archives. Returns false (and writes nothing) when
// the file is not an archive.
bool unpack_archive_into(int archive_fd, const std::string& label, const std::filesystem::path& dest);

}  // namespace gantry::solver

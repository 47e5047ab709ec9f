// Copies files between two directory trees the way COPY does: contents, modes, owners
// (or a forced owner), times, symlinks, special files; excluded paths left out.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "cache/context_checksum.h"

namespace gantry::solver {

struct CopyAttributes {
  std::optional<uid_t> uid;  // forced owner (--chown, or 0 for files from the build context)
  std::optional<gid_t> gid;
  std::optional<std::uint32_t> mode;  // --chmod
};

class FileCopier {
 public:
  // `excluded` is applied to paths relative to `source_root` (the .dockerignore of a context).
  FileCopier(std::filesystem::path source_root, cache::ExcludePredicate excluded,
             CopyAttributes attrs)
      : source_root_(std::move(source_root)), excluded_(std::move(excluded)), attrs_(attrs) {}

  // Copies source_root/relative to dest (a host path), replacing what is there; a directory is
  // merged into an existing directory.
  void copy(const std::string& relative, const std::filesystem::path& dest) const;
  // Copies the entries inside source_root/relative into the directory dest.
  void copy_contents(const std::string& relative, const std::filesystem::path& dest) const;

 private:
  // Copies source_root/relative, whose lstat is `st`. `dest_absent`: the caller knows nothing
  // is at dest (its directory was made just now).
  void copy_entry(const std::string& relative, const struct stat& st, const std::filesystem::path& dest,
                  bool dest_absent) const;
  void copy_children(const std::string& relative, const std::filesystem::path& dest, bool dest_is_new) const;
  void copy_file(const std::filesystem::path& src, const struct stat& st,
                 const std::filesystem::path& dest) const;
  void apply_metadata(const std::filesystem::path& dest, const struct stat& st) const;
  void apply_metadata(int fd, const std::filesystem::path& dest, const struct stat& st) const;

  std::filesystem::path source_root_;
  cache::ExcludePredicate excluded_;
  CopyAttributes attrs_;
  // Cleared by the first copy_file_range that cannot copy between these trees (the destination
  // is usually an overlay mount): the rest go straight to sendfile.
  mutable std::atomic<bool> copy_range_works_{true};
};

// Unpacks a tar archive (any compression libarchive knows) into dest, as ADD does for local
// archives. Returns false (and writes nothing) when the file is not an archive.
bool unpack_archive_into(const std::filesystem::path& archive, const std::filesystem::path& dest);

}  // namespace gantry::solver

#include "exporter/tar_extractor.h"

#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <utility>
#include <vector>

#include "base/error.h"
#include "base/unique_fd.h"
#include "base/user_namespace.h"
#include "exporter/libarchive_handle.h"
#include "exporter/overlay_form.h"
#include "exporter/path_beneath.h"
#include "exporter/utf8_locale.h"
#include "exporter/xattrs.h"

namespace gantry::exporter {

namespace fs = std::filesystem;

namespace {

std::string proc_path(int dir_fd, const std::string& name) {
  return "/proc/self/fd/" + std::to_string(dir_fd) + "/" + name;
}

class TarExtractor {
 public:
  TarExtractor(archive* reader, const fs::path& dest, std::string label)
      : reader_(reader), label_(std::move(label)) {
    root_.reset(::open(dest.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!root_) throw_errno("open directory `" + dest.string() + "`");
  }

  void run() {
    for (;;) {
      archive_entry* entry = nullptr;
      Utf8Locale::Scope utf8(utf8_);
      const int rc = archive_read_next_header(reader_, &entry);
      if (rc == ARCHIVE_EOF) break;
      // A warning is about a name that does not fit the locale; the bytes are still read.
      if (rc < ARCHIVE_WARN) throw Error(label_ + ": " + archive_message(reader_));
      extract(entry);
    }
    // Directory mtimes last: creating their children changed them.
    for (const auto& [rel, mtime] : dir_mtimes_) {
      UniqueFd fd = open_dir_beneath(root_.get(), rel, false, label_);
      const struct timespec times[2] = {{mtime, 0}, {mtime, 0}};
      if (::futimens(fd.get(), times) != 0) throw_errno(label_ + ": set times of `" + rel + "`");
    }
  }

 private:
  static std::string raw_name(archive_entry* entry) {
    const char* name = archive_entry_pathname(entry);
    if (!name) name = archive_entry_pathname_utf8(entry);
    return name ? name : "";
  }

  void extract(archive_entry* entry) {
    const std::string raw = raw_name(entry);
    const std::optional<std::string> name = clean_member_name(raw, label_);
    if (!name) return;  // the root: dest_dir is ours, its metadata stays
    const auto [parent, base] = split_parent(*name);
    UniqueFd parent_fd = open_dir_beneath(root_.get(), parent, true, label_);

    if (base.starts_with(kWhiteoutPrefix)) return whiteout(parent_fd.get(), parent, base, entry);
    if (const char* link = archive_entry_hardlink(entry)) return hard_link(parent_fd.get(), *name, base, link);

    const mode_t type = archive_entry_filetype(entry);
    struct stat existing;
    const bool exists = ::fstatat(parent_fd.get(), base.c_str(), &existing, AT_SYMLINK_NOFOLLOW) == 0;
    // A later entry replaces an earlier one, except that directories merge.
    if (exists && !(type == AE_IFDIR && S_ISDIR(existing.st_mode)))
      remove_entry_at(parent_fd.get(), base, label_);

    switch (type) {
      case AE_IFDIR:
        return directory(parent_fd.get(), *name, base, entry, exists && S_ISDIR(existing.st_mode));
      case AE_IFREG:
        return regular_file(parent_fd.get(), *name, base, entry);
      case AE_IFLNK:
        return symlink(parent_fd.get(), *name, base, entry);
      case AE_IFCHR:
      case AE_IFBLK:
      case AE_IFIFO:
        return special_file(parent_fd.get(), *name, base, entry);
      case AE_IFSOCK:
        return;  // a socket cannot be recreated from a tar; docker skips them too
      default:
        throw Error(label_ + ": member `" + raw + "` has an unsupported file type");
    }
  }

  void whiteout(int parent_fd, const std::string& parent, const std::string& base, archive_entry* entry) {
    if (base == kOpaqueMarker) return mark_opaque(parent_fd, parent.empty() ? "/" : parent);
    const std::string target = base.substr(kWhiteoutPrefix.size());
    if (target.empty() || target == "." || target == "..")
      throw Error(label_ + ": whiteout `" + base + "` names no file");
    remove_entry_at(parent_fd, target, label_);
    if (::mknodat(parent_fd, target.c_str(), S_IFCHR | 0000, makedev(0, 0)) != 0)
      throw_errno(label_ + ": create whiteout for `" + (parent.empty() ? target : parent + "/" + target) + "`");
    set_times_at(parent_fd, base, target, entry);
  }

  void hard_link(int parent_fd, const std::string& name, const std::string& base, const char* link) {
    const std::optional<std::string> target = clean_member_name(link, label_);
    if (!target) throw Error(label_ + ": hard link `" + name + "` points at the root");
    const auto [target_parent, target_base] = split_parent(*target);
    UniqueFd target_dir = open_dir_beneath(root_.get(), target_parent, false, label_);
    remove_entry_at(parent_fd, base, label_);
    if (::linkat(target_dir.get(), target_base.c_str(), parent_fd, base.c_str(), 0) != 0)
      throw_errno(label_ + ": hard link `" + name + "` to `" + *target + "`");
  }

  void directory(int parent_fd, const std::string& name, const std::string& base,
                 archive_entry* entry, bool exists) {
    if (!exists && ::mkdirat(parent_fd, base.c_str(), 0700) != 0)
      throw_errno(label_ + ": create directory `" + name + "`");
    UniqueFd fd(::openat(parent_fd, base.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) throw_errno(label_ + ": open directory `" + name + "`");
    set_owner_mode_xattrs(fd.get(), name, entry);
    dir_mtimes_.emplace_back(name, archive_entry_mtime(entry));
  }

  void regular_file(int parent_fd, const std::string& name, const std::string& base,
                    archive_entry* entry) {
    UniqueFd fd(::openat(parent_fd, base.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd) throw_errno(label_ + ": create `" + name + "`");
    for (;;) {
      const void* block = nullptr;
      size_t size = 0;
      la_int64_t offset = 0;
      const int rc = archive_read_data_block(reader_, &block, &size, &offset);
      if (rc == ARCHIVE_EOF) break;
      if (rc != ARCHIVE_OK) throw Error(label_ + ": reading `" + name + "`: " + archive_message(reader_));
      write_at(fd.get(), name, block, size, offset);
    }
    // Sparse files may end in a hole that no data block covers.
    if (::ftruncate(fd.get(), archive_entry_size(entry)) != 0) throw_errno(label_ + ": truncate `" + name + "`");
    set_owner_mode_xattrs(fd.get(), name, entry);
    const struct timespec times[2] = {{archive_entry_mtime(entry), 0}, {archive_entry_mtime(entry), 0}};
    if (::futimens(fd.get(), times) != 0) throw_errno(label_ + ": set times of `" + name + "`");
  }

  void write_at(int fd, const std::string& name, const void* data, size_t size, la_int64_t offset) {
    const char* p = static_cast<const char*>(data);
    while (size > 0) {
      const ssize_t n = ::pwrite(fd, p, size, offset);
      if (n < 0) {
        if (errno == EINTR) continue;
        throw_errno(label_ + ": write `" + name + "`");
      }
      p += n;
      size -= static_cast<size_t>(n);
      offset += n;
    }
  }

  void symlink(int parent_fd, const std::string& name, const std::string& base, archive_entry* entry) {
    const char* target = archive_entry_symlink(entry);
    if (!target) target = archive_entry_symlink_utf8(entry);
    if (!target) throw Error(label_ + ": symlink `" + name + "` has no target");
    if (::symlinkat(target, parent_fd, base.c_str()) != 0) throw_errno(label_ + ": create symlink `" + name + "`");
    if (::fchownat(parent_fd, base.c_str(), archive_entry_uid(entry), archive_entry_gid(entry), AT_SYMLINK_NOFOLLOW) != 0)
      throw_errno(label_ + ": chown `" + name + "`");
    set_times_at(parent_fd, name, base, entry);
  }

  void special_file(int parent_fd, const std::string& name, const std::string& base, archive_entry* entry) {
    const dev_t dev = makedev(archive_entry_rdevmajor(entry), archive_entry_rdevminor(entry));
    if (::mknodat(parent_fd, base.c_str(), archive_entry_filetype(entry) | 0600, dev) != 0)
      throw_errno(label_ + ": create device or fifo `" + name + "`");
    if (::fchownat(parent_fd, base.c_str(), archive_entry_uid(entry), archive_entry_gid(entry), AT_SYMLINK_NOFOLLOW) != 0)
      throw_errno(label_ + ": chown `" + name + "`");
    // mknod applied the umask, and the chown cleared set-id bits: the mode goes last.
    if (::fchmodat(parent_fd, base.c_str(), archive_entry_perm(entry), 0) != 0)
      throw_errno(label_ + ": chmod `" + name + "`");
    write_xattrs(proc_path(parent_fd, base), layer_xattrs(entry));
    set_times_at(parent_fd, name, base, entry);
  }

  void set_times_at(int parent_fd, const std::string& name, const std::string& base, archive_entry* entry) {
    const struct timespec times[2] = {{archive_entry_mtime(entry), 0}, {archive_entry_mtime(entry), 0}};
    if (::utimensat(parent_fd, base.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0)
      throw_errno(label_ + ": set times of `" + name + "`");
  }

  void set_owner_mode_xattrs(int fd, const std::string& name, archive_entry* entry) {
    const auto uid = static_cast<uid_t>(archive_entry_uid(entry));
    const auto gid = static_cast<gid_t>(archive_entry_gid(entry));
    if (::fchown(fd, uid, gid) != 0)
      throw Error(label_ + ": " + chown_error(name, uid, gid, errno).what());
    if (::fchmod(fd, archive_entry_perm(entry)) != 0) throw_errno(label_ + ": chmod `" + name + "`");
    for (const auto& [key, value] : layer_xattrs(entry))
      if (::fsetxattr(fd, key.c_str(), value.data(), value.size(), 0) != 0)
        throw_errno(label_ + ": set xattr " + key + " on `" + name + "`");
  }

  // Only the xattrs layers carry; a trusted.overlay.* from an archive would forge overlay state.
  static Xattrs layer_xattrs(archive_entry* entry) {
    Xattrs result;
    archive_entry_xattr_reset(entry);
    const char* key = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    while (archive_entry_xattr_next(entry, &key, &value, &size) == ARCHIVE_OK)
      if (is_layer_xattr(key)) result.emplace_back(key, std::string(static_cast<const char*>(value), size));
    return result;
  }

  archive* reader_;
  std::string label_;
  UniqueFd root_;
  Utf8Locale utf8_;
  std::vector<std::pair<std::string, std::int64_t>> dir_mtimes_;
};

}  // namespace

void extract_tar(archive* reader, const fs::path& dest_dir, const std::string& label) {
  TarExtractor(reader, dest_dir, label).run();
}

}  // namespace gantry::exporter

#include "solver/file_copier.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <tbb/parallel_for.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "base/error.h"
#include "base/unique_fd.h"
#include "base/user_namespace.h"
#include "cache/directory_entries.h"

namespace gantry::solver {

namespace fs = std::filesystem;

namespace {

void remove_existing(const fs::path& dest, bool keep_dir) {
  struct stat st;
  if (::lstat(dest.c_str(), &st) != 0) return;
  if (keep_dir && S_ISDIR(st.st_mode)) return;
  std::error_code ec;
  fs::remove_all(dest, ec);
  if (ec) throw Error("replace `" + dest.string() + "`: " + ec.message());
}

// sendfile copies between any two files in the kernel, without a buffer of ours.
void copy_with_sendfile(int in, int out, off_t size, const std::string& src, const fs::path& dest) {
  while (size > 0) {
    const ssize_t n = ::sendfile(out, in, nullptr, static_cast<std::size_t>(std::min<off_t>(size, 1 << 30)));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("copy `" + src + "` to `" + dest.string() + "`");
    if (n == 0) return;  // the file shrank while we copied it
    size -= n;
  }
}

}  // namespace

mode_t FileCopier::mode_of(const struct stat& st) const {
  if (attrs_.mode) return static_cast<mode_t>(*attrs_.mode);
  if (attrs_.symbolic_mode) return static_cast<mode_t>(attrs_.symbolic_mode->apply(st.st_mode & 07777, S_ISDIR(st.st_mode)));
  return st.st_mode & 07777;
}

void FileCopier::make_directory(const fs::path& dest) const {
  // A symlink the image has there is replaced, as copy_entry replaces one: followed, it would
  // send the copy and the finishing chmod to wherever it points on the host.
  remove_existing(dest, true);
  if (::mkdir(dest.c_str(), 0700) != 0 && errno != EEXIST) throw_errno("mkdir `" + dest.string() + "`");
}

// Through the open file: no path lookups (through an overlay mount they are the costly part).
void FileCopier::apply_metadata(int fd, const fs::path& dest, const struct stat& st) const {
  const uid_t uid = attrs_.uid.value_or(st.st_uid);
  const gid_t gid = attrs_.gid.value_or(st.st_gid);
  if (::fchown(fd, uid, gid) != 0) throw chown_error(dest.string(), uid, gid, errno);
  if (::fchmod(fd, mode_of(st)) != 0) throw_errno("chmod `" + dest.string() + "`");
  const struct timespec times[2] = {st.st_atim, st.st_mtim};
  ::futimens(fd, times);
}

void FileCopier::apply_metadata(const fs::path& dest, const struct stat& st) const {
  uid_t uid = attrs_.uid.value_or(st.st_uid);
  gid_t gid = attrs_.gid.value_or(st.st_gid);
  if (::lchown(dest.c_str(), uid, gid) != 0) throw chown_error(dest.string(), uid, gid, errno);
  if (!S_ISLNK(st.st_mode) && ::chmod(dest.c_str(), mode_of(st)) != 0) throw_errno("chmod `" + dest.string() + "`");
  struct timespec times[2] = {st.st_atim, st.st_mtim};
  ::utimensat(AT_FDCWD, dest.c_str(), times, AT_SYMLINK_NOFOLLOW);
}

void FileCopier::copy_file(int parent_fd, const std::string& name, const std::string& relative,
                           const struct stat& st, const fs::path& dest) const {
  UniqueFd in(::openat(parent_fd, name.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!in) throw_errno("open `" + relative + "`");
  UniqueFd out(::open(dest.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!out) throw_errno("create `" + dest.string() + "`");
  off_t left = st.st_size;
  while (left > 0 && copy_range_works_.load(std::memory_order_relaxed)) {
    ssize_t n = ::copy_file_range(in.get(), nullptr, out.get(), nullptr,
                                  static_cast<std::size_t>(left), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == EOPNOTSUPP || errno == ENOSYS)) {
      copy_range_works_.store(false, std::memory_order_relaxed);
      break;
    }
    if (n < 0) throw_errno("copy `" + relative + "` to `" + dest.string() + "`");
    if (n == 0) return apply_metadata(out.get(), dest, st);  // the file shrank while we copied it
    left -= n;
  }
  // Where copy_file_range could not copy (nothing was written then): e.g. into an overlay mount.
  copy_with_sendfile(in.get(), out.get(), left, relative, dest);
  apply_metadata(out.get(), dest, st);
}

void FileCopier::copy(const cache::SourceTree::Entry& src, const fs::path& dest) const {
  copy_entry(src.parent.get(), src.name, src.path, src.st, dest, false);
}

void FileCopier::copy_contents(const cache::SourceTree::Entry& src, const fs::path& dest) const {
  copy_children(src.parent.get(), src.name, src.path, dest, false);
}

void FileCopier::copy_entry(int parent_fd, const std::string& name, const std::string& relative,
                            const struct stat& st, const fs::path& dest, bool dest_absent) const {
  if (!dest_absent) remove_existing(dest, S_ISDIR(st.st_mode));
  if (S_ISDIR(st.st_mode)) {
    const bool made = ::mkdir(dest.c_str(), 0700) == 0;
    if (!made && errno != EEXIST) throw_errno("mkdir `" + dest.string() + "`");
    copy_children(parent_fd, name, relative, dest, made);
  } else if (S_ISREG(st.st_mode)) {
    copy_file(parent_fd, name, relative, st, dest);
    return;  // its metadata was set through its fd
  } else if (S_ISLNK(st.st_mode)) {
    char target[4096];
    const ssize_t n = ::readlinkat(parent_fd, name.c_str(), target, sizeof target - 1);
    if (n < 0) throw_errno("read link `" + relative + "`");
    target[n] = '\0';
    if (::symlink(target, dest.c_str()) != 0) throw_errno("symlink `" + dest.string() + "`");
  } else {
    if (::mknod(dest.c_str(), st.st_mode, st.st_rdev) != 0) throw_errno("mknod `" + dest.string() + "`");
  }
  apply_metadata(dest, st);
}

void FileCopier::copy_children(int parent_fd, const std::string& name, const std::string& relative,
                               const fs::path& dest, bool dest_is_new) const {
  const UniqueFd dir = cache::open_directory_at(parent_fd, name.c_str(), relative.empty() ? "." : relative);
  // Listed, filtered and stat'ed relative to the directory, a big directory's on every core.
  const auto entries = source_.entries(dir.get(), relative);
  auto copy_child = [&](std::size_t i) {
    const cache::DirectoryEntry& entry = entries[i];
    const std::string child = cache::join_relative(relative, entry.name);
    if (entry.error != 0) throw errno_error("copy `" + child + "`", entry.error);
    // In a directory made just now there is nothing to replace: no lookup for it.
    copy_entry(dir.get(), entry.name, child, entry.st, dest / entry.name, dest_is_new);
  };
  // The entries are independent of each other, and a context directory can hold thousands:
  // they are copied on every core. The directory's own metadata (its mtime) is set by the
  // caller once they are all done.
  constexpr std::size_t kParallelFrom = 8;
  if (entries.size() >= kParallelFrom) tbb::parallel_for(std::size_t{0}, entries.size(), copy_child);
  else for (std::size_t i = 0; i < entries.size(); ++i) copy_child(i);
}

bool unpack_archive_into(int archive_fd, const std::string& label, const fs::path& dest) {
  struct ReadCloser {
    void operator()(archive* a) const { archive_read_free(a); }
  };
  struct WriteCloser {
    void operator()(archive* a) const { archive_write_free(a); }
  };
  std::unique_ptr<archive, ReadCloser> in(archive_read_new());
  archive_read_support_filter_all(in.get());
  archive_read_support_format_tar(in.get());
  if (archive_read_open_fd(in.get(), archive_fd, 1 << 16) != ARCHIVE_OK)
    return false;
  archive_entry* entry = nullptr;
  int rc = archive_read_next_header(in.get(), &entry);
  if (rc != ARCHIVE_OK) return false;  // not a tar: ADD copies it as a plain file

  std::unique_ptr<archive, WriteCloser> out(archive_write_disk_new());
  archive_write_disk_set_options(out.get(), ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM |
                                                ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_XATTR |
                                                ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                                                ARCHIVE_EXTRACT_SECURE_SYMLINKS);
  for (; rc == ARCHIVE_OK; rc = archive_read_next_header(in.get(), &entry)) {
    std::string name = archive_entry_pathname(entry);
    while (name.starts_with("./") || name.starts_with("/")) name.erase(0, name[0] == '.' ? 2 : 1);
    if (name.empty()) continue;
    archive_entry_set_pathname(entry, (dest / name).c_str());
    if (const char* link = archive_entry_hardlink(entry)) {
      std::string l = link;
      while (l.starts_with("./") || l.starts_with("/")) l.erase(0, l[0] == '.' ? 2 : 1);
      archive_entry_set_hardlink(entry, (dest / l).c_str());
    }
    if (archive_write_header(out.get(), entry) != ARCHIVE_OK)
      throw Error("unpack " + label + ": " + archive_error_string(out.get()));
    const void* buf;
    size_t size;
    la_int64_t offset;
    while ((rc = archive_read_data_block(in.get(), &buf, &size, &offset)) == ARCHIVE_OK)
      if (archive_write_data_block(out.get(), buf, size, offset) != ARCHIVE_OK)
        throw Error("unpack " + label + ": " + archive_error_string(out.get()));
    if (rc != ARCHIVE_EOF)
      throw Error("unpack " + label + ": " + archive_error_string(in.get()));
    archive_write_finish_entry(out.get());
  }
  if (rc != ARCHIVE_EOF)
    throw Error("unpack " + label + ": " + archive_error_string(in.get()));
  return true;
}

}  // namespace gantry::solver

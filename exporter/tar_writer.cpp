#include "exporter/tar_writer.h"

#include <fcntl.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "base/error.h"
#include "base/unique_fd.h"
#include "exporter/xattrs.h"

namespace gantry::exporter {

namespace fs = std::filesystem;

namespace {

std::int64_t entry_mtime(const struct stat& st, std::optional<std::int64_t> clamp) {
  std::int64_t mtime = st.st_mtim.tv_sec;
  return clamp ? std::min(mtime, *clamp) : mtime;
}

// An entry named `name` with the type, mode, owner and mtime of `st`.
ArchiveEntry entry_with_stat(const std::string& name, const struct stat& st, std::optional<std::int64_t> clamp) {
  ArchiveEntry entry(archive_entry_new());
  archive_entry_set_pathname(entry.get(), name.c_str());
  archive_entry_set_mode(entry.get(), st.st_mode);
  archive_entry_set_uid(entry.get(), st.st_uid);
  archive_entry_set_gid(entry.get(), st.st_gid);
  archive_entry_set_mtime(entry.get(), entry_mtime(st, clamp), 0);
  return entry;
}

// The inode of a regular file that has other names (and so may be written as a hard link).
std::optional<std::pair<dev_t, ino_t>> linked_inode(const struct stat& st) {
  if (!S_ISREG(st.st_mode) || st.st_nlink < 2) return std::nullopt;
  return std::pair{st.st_dev, st.st_ino};
}

}  // namespace

TarWriter::TarWriter(ByteSink& out) : out_(out), archive_(archive_write_new()) {
  if (!archive_) throw Error("tar: cannot allocate an archive writer");
  // pax_restricted: plain ustar headers, plus a pax header only when an entry needs one (long
  // names, large ids or sizes, xattrs), which is what other image tools write too.
  check(archive_write_set_format_pax_restricted(archive_.get()), "set pax format");
  // Big blocks: each block is one write to the sink (a store's file), and 10 KiB blocks made a
  // 100 MB layer 10,000 writes. The bytes do not change: the last block is not padded.
  check(archive_write_set_bytes_per_block(archive_.get(), 1 << 20), "set block size");
  check(archive_write_set_bytes_in_last_block(archive_.get(), 1), "set block padding");
  check(archive_write_open2(archive_.get(), this, nullptr, &TarWriter::write_callback, nullptr,
                            nullptr),
        "open");
}

la_ssize_t TarWriter::write_callback(archive* a, void* self, const void* data, size_t size) {
  auto* writer = static_cast<TarWriter*>(self);
  try {
    writer->out_.write(data, size);
    return static_cast<la_ssize_t>(size);
  } catch (...) {
    writer->sink_error_ = std::current_exception();
    archive_set_error(a, EIO, "output failed");
    return -1;
  }
}

void TarWriter::check(int rc, const std::string& what) {
  // A warning is an error too: it means the entry was not written exactly as given.
  if (rc == ARCHIVE_OK) return;
  if (sink_error_) std::rethrow_exception(std::exchange(sink_error_, nullptr));
  throw Error("tar: " + what + ": " + archive_message(archive_.get()));
}

void TarWriter::write_header(archive_entry* entry, const std::string& name) {
  Utf8Locale::Scope utf8(utf8_);
  check(archive_write_header(archive_.get(), entry), "write header of `" + name + "`");
}

void TarWriter::copy_data(int fd, const fs::path& source, std::int64_t size) {
  std::int64_t left = size;
  while (left > 0) {
    const ssize_t n = ::read(fd, read_buffer_.get(),
                             static_cast<std::size_t>(std::min<std::int64_t>(left, kReadBufferSize)));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("read `" + source.string() + "`");
    }
    // The header already promised `size` bytes; a file that shrank would corrupt the tar.
    if (n == 0) throw Error("`" + source.string() + "`: file shrank while it was being archived");
    if (archive_write_data(archive_.get(), read_buffer_.get(), static_cast<std::size_t>(n)) != n)
      check(ARCHIVE_FATAL, "write data of `" + source.string() + "`");
    left -= n;
  }
}

ReadObject read_object(const DiskObject& source, const struct stat& st, std::int64_t read_ahead) {
  ReadObject object{.st = st};
  if (S_ISLNK(st.st_mode)) {
    std::string target(static_cast<std::size_t>(st.st_size) + 1, '\0');
    const ssize_t n = ::readlinkat(source.dir_fd, source.name, target.data(), target.size());
    if (n < 0) throw_errno("read link `" + source.path().string() + "`");
    target.resize(static_cast<std::size_t>(n));
    object.link_target = std::move(target);
  }
  // A regular file is opened once, for its xattrs and its data; other objects without an open
  // fd are read by path (a symlink or a device cannot be opened for that).
  if (S_ISREG(st.st_mode) && source.fd < 0) {
    object.file.reset(::openat(source.dir_fd, source.name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!object.file) throw_errno("open `" + source.path().string() + "`");
  }
  const int fd = source.fd >= 0 ? source.fd : object.file.get();
  object.xattrs = fd >= 0 ? read_layer_xattrs(fd, [&] { return source.path(); }) : read_layer_xattrs(source.path());
  if (S_ISREG(st.st_mode) && st.st_size > 0 && st.st_size <= read_ahead) {
    const auto size = static_cast<std::size_t>(st.st_size);
    object.data = std::make_unique_for_overwrite<char[]>(size);
    for (std::size_t done = 0; done < size;) {
      const ssize_t n = ::read(object.file.get(), object.data.get() + done, size - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw_errno("read `" + source.path().string() + "`");
      if (n == 0) throw Error("`" + source.path().string() + "`: file shrank while it was being archived");
      done += static_cast<std::size_t>(n);
    }
    object.file.reset();
  } else if (object.file) {
    object.file_path = source.path();
  }
  return object;
}

bool TarWriter::added_as_hard_link(const std::string& name, const struct stat& st,
                                   std::optional<std::int64_t> clamp_mtime) {
  const auto inode = linked_inode(st);
  if (!inode) return false;
  auto [it, first] = first_name_of_inode_.try_emplace(*inode, name);
  if (first) return false;
  ArchiveEntry entry = entry_with_stat(name, st, clamp_mtime);
  archive_entry_set_hardlink(entry.get(), it->second.c_str());
  archive_entry_set_size(entry.get(), 0);
  write_header(entry.get(), name);
  return true;
}

void TarWriter::add_from_disk(const std::string& name, const DiskObject& source, const struct stat& st,
                              std::optional<std::int64_t> clamp_mtime) {
  // A second name of an inode becomes a hard link: nothing to read for it.
  const auto inode = linked_inode(st);
  const bool link = inode && first_name_of_inode_.contains(*inode);
  add_read(name, link ? ReadObject{.st = st} : read_object(source, st, 0), clamp_mtime);
}

void TarWriter::add_read(const std::string& name, const ReadObject& object,
                         std::optional<std::int64_t> clamp_mtime) {
  const struct stat& st = object.st;
  if (added_as_hard_link(name, st, clamp_mtime)) return;
  ArchiveEntry entry = entry_with_stat(name, st, clamp_mtime);
  if (S_ISLNK(st.st_mode)) archive_entry_set_symlink(entry.get(), object.link_target.c_str());
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
    archive_entry_set_rdevmajor(entry.get(), major(st.st_rdev));
    archive_entry_set_rdevminor(entry.get(), minor(st.st_rdev));
  }
  for (const auto& [key, value] : object.xattrs)
    archive_entry_xattr_add_entry(entry.get(), key.c_str(), value.data(), value.size());
  const std::int64_t size = S_ISREG(st.st_mode) ? st.st_size : 0;
  archive_entry_set_size(entry.get(), size);
  write_header(entry.get(), name);
  if (size == 0) return;
  if (object.data) {
    if (archive_write_data(archive_.get(), object.data.get(), static_cast<std::size_t>(size)) != size)
      check(ARCHIVE_FATAL, "write data of `" + name + "`");
  } else {
    copy_data(object.file.get(), object.file_path, size);
  }
}

void TarWriter::add_marker(const std::string& name, const struct stat& like,
                           std::optional<std::int64_t> clamp_mtime) {
  ArchiveEntry entry(archive_entry_new());
  archive_entry_set_pathname(entry.get(), name.c_str());
  archive_entry_set_mode(entry.get(), S_IFREG);
  archive_entry_set_uid(entry.get(), like.st_uid);
  archive_entry_set_gid(entry.get(), like.st_gid);
  archive_entry_set_mtime(entry.get(), entry_mtime(like, clamp_mtime), 0);
  archive_entry_set_size(entry.get(), 0);
  write_header(entry.get(), name);
}

void TarWriter::add_directory(const std::string& name, std::int64_t mtime) {
  ArchiveEntry entry(archive_entry_new());
  archive_entry_set_pathname(entry.get(), name.c_str());
  archive_entry_set_mode(entry.get(), S_IFDIR | 0755);
  archive_entry_set_mtime(entry.get(), mtime, 0);
  write_header(entry.get(), name);
}

void TarWriter::add_file(const std::string& name, const fs::path& source, std::int64_t mtime) {
  UniqueFd fd(::open(source.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) throw_errno("open `" + source.string() + "`");
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) throw_errno("stat `" + source.string() + "`");
  ArchiveEntry entry(archive_entry_new());
  archive_entry_set_pathname(entry.get(), name.c_str());
  archive_entry_set_mode(entry.get(), S_IFREG | 0644);
  archive_entry_set_mtime(entry.get(), mtime, 0);
  archive_entry_set_size(entry.get(), st.st_size);
  write_header(entry.get(), name);
  if (st.st_size > 0) copy_data(fd.get(), source, st.st_size);
}

void TarWriter::add_bytes(const std::string& name, std::string_view data, std::int64_t mtime) {
  ArchiveEntry entry(archive_entry_new());
  archive_entry_set_pathname(entry.get(), name.c_str());
  archive_entry_set_mode(entry.get(), S_IFREG | 0644);
  archive_entry_set_mtime(entry.get(), mtime, 0);
  archive_entry_set_size(entry.get(), static_cast<la_int64_t>(data.size()));
  write_header(entry.get(), name);
  if (!data.empty() &&
      archive_write_data(archive_.get(), data.data(), data.size()) != static_cast<la_ssize_t>(data.size()))
    check(ARCHIVE_FATAL, "write data of `" + name + "`");
}

namespace {

// The data of one entry, forwarded to the archive and held to the size its header gave.
class EntryDataSink final : public ByteSink {
 public:
  EntryDataSink(archive* a, const std::string& name, std::int64_t size) : archive_(a), name_(name), size_(size) {}
  void write(const void* data, std::size_t size) override {
    if (static_cast<std::int64_t>(size) > size_ - written_)
      throw Error("`" + name_ + "`: more than the " + std::to_string(size_) + " bytes its tar header gives");
    if (archive_write_data(archive_, data, size) != static_cast<la_ssize_t>(size))
      throw Error("tar: write data of `" + name_ + "`: " + archive_message(archive_));
    written_ += static_cast<std::int64_t>(size);
  }
  std::int64_t written() const { return written_; }

 private:
  archive* archive_;
  const std::string& name_;
  std::int64_t size_;
  std::int64_t written_ = 0;
};

}  // namespace

void TarWriter::add_stream(const std::string& name, std::int64_t size, std::int64_t mtime,
                           const std::function<void(ByteSink&)>& produce) {
  ArchiveEntry entry(archive_entry_new());
  archive_entry_set_pathname(entry.get(), name.c_str());
  archive_entry_set_mode(entry.get(), S_IFREG | 0644);
  archive_entry_set_mtime(entry.get(), mtime, 0);
  archive_entry_set_size(entry.get(), size);
  write_header(entry.get(), name);
  EntryDataSink data(archive_.get(), name, size);
  try {
    produce(data);
  } catch (...) {
    // the archive's own sink may have failed underneath: that is the cause to report
    if (sink_error_) std::rethrow_exception(std::exchange(sink_error_, nullptr));
    throw;
  }
  if (data.written() != size)
    throw Error("`" + name + "`: " + std::to_string(data.written()) + " bytes, not the " + std::to_string(size) +
                " its tar header gives");
}

void TarWriter::finish() { check(archive_write_close(archive_.get()), "finish"); }

}  // namespace gantry::exporter

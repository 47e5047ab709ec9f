#include "exporter/rootfs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <utility>

#include "base/error.h"
#include "base/user_namespace.h"
#include "exporter/byte_sink.h"
#include "exporter/merged_tree.h"
#include "exporter/output_file.h"
#include "exporter/tar_writer.h"
#include "exporter/xattrs.h"

namespace gantry::exporter {

namespace fs = std::filesystem;

namespace {

void copy_metadata(const fs::path& dest, const fs::path& source, const struct stat& st) {
  if (::lchown(dest.c_str(), st.st_uid, st.st_gid) != 0)
    throw chown_error(dest.string(), st.st_uid, st.st_gid, errno);
  if (!S_ISLNK(st.st_mode)) {
    // After the chown, which clears set-id bits.
    if (::chmod(dest.c_str(), st.st_mode & 07777) != 0) throw_errno("chmod `" + dest.string() + "`");
    write_xattrs(dest, read_layer_xattrs(source));
  }
  const struct timespec times[2] = {{st.st_mtim.tv_sec, 0}, {st.st_mtim.tv_sec, 0}};
  if (::utimensat(AT_FDCWD, dest.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0)
    throw_errno("set times of `" + dest.string() + "`");
}

// Copies one merged entry into `root`; the layers are gantry's own snapshots and `root` a fresh
// temp dir, so plain paths are safe here.
class TreeCopier {
 public:
  explicit TreeCopier(fs::path root) : root_(std::move(root)) {}

  void copy(const std::string& rel, const fs::path& source, const struct stat& st) {
    const fs::path dest = root_ / rel;
    if (S_ISREG(st.st_mode) && st.st_nlink > 1) {
      auto [it, first] = first_copy_.try_emplace({st.st_dev, st.st_ino}, dest);
      if (!first) {
        if (::link(it->second.c_str(), dest.c_str()) != 0) throw_errno("hard link `" + dest.string() + "`");
        return;
      }
    }
    if (S_ISDIR(st.st_mode)) {
      if (::mkdir(dest.c_str(), 0700) != 0) throw_errno("create directory `" + dest.string() + "`");
      dirs_.emplace_back(dest, source, st);  // metadata after the children are in
      return;
    }
    if (S_ISREG(st.st_mode)) {
      fs::copy_file(source, dest);
    } else if (S_ISLNK(st.st_mode)) {
      fs::copy_symlink(source, dest);
    } else if (S_ISSOCK(st.st_mode)) {
      return;
    } else if (::mknod(dest.c_str(), st.st_mode, st.st_rdev) != 0) {
      throw_errno("create device or fifo `" + dest.string() + "`");
    }
    copy_metadata(dest, source, st);
  }

  void finish() {
    for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) copy_metadata(std::get<0>(*it), std::get<1>(*it), std::get<2>(*it));
  }

 private:
  fs::path root_;
  std::map<std::pair<dev_t, ino_t>, fs::path> first_copy_;
  std::vector<std::tuple<fs::path, fs::path, struct stat>> dirs_;
};

}  // namespace

void fill_rootfs_dir(const std::vector<fs::path>& layers_top_first, const fs::path& dir) {
  TreeCopier copier(dir);
  walk_merged(layers_top_first, [&](const std::string& rel, const fs::path& source, const struct stat& st) {
    copier.copy(rel, source, st);
  });
  copier.finish();
  if (::chmod(dir.c_str(), 0755) != 0) throw_errno("chmod `" + dir.string() + "`");
}

void write_rootfs_tar(const std::vector<fs::path>& layers_top_first, const OutputTarget& dest_tar) {
  OutputFile out(dest_tar);
  FdSink sink(out.fd(), out.dest());
  TarWriter tar(sink);
  walk_merged(layers_top_first, [&](const std::string& rel, const fs::path& source, const struct stat& st) {
    tar.add_from_disk(S_ISDIR(st.st_mode) ? rel + "/" : rel, {AT_FDCWD, source.c_str(), fs::path()}, st, std::nullopt);
  });
  tar.finish();
  out.commit();
}

}  // namespace gantry::exporter

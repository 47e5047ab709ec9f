#include "cache/staging_beside.h"

#include <unistd.h>

#include <string>

#include "base/error.h"

namespace gantry::cache {

namespace fs = std::filesystem;

namespace {

std::string tag_of(pid_t pid) { return ".tmp-" + std::to_string(pid) + "-"; }

}  // namespace

StagingBeside::StagingBeside(const fs::path& store_tmp, const fs::path& dest) : dest_(dest) {
  std::error_code ec;
  if (fs::exists(dest_, ec) && !(fs::is_directory(dest_, ec) && fs::is_empty(dest_, ec)))
    throw Error("output directory `" + dest_.string() + "`: exists and is not empty");
  const fs::path parent = fs::absolute(dest_.has_parent_path() ? dest_.parent_path() : ".");
  std::string dir = (parent / ("." + dest_.filename().string() + tag_of(::getpid()) + "XXXXXX")).string();
  if (!::mkdtemp(dir.data())) throw_errno("create a staging directory beside `" + dest_.string() + "`");
  dir_ = dir;
  const std::string record = (store_tmp / (std::to_string(::getpid()) + "-beside-" + dir_.filename().string())).string();
  if (::symlink(dir_.c_str(), record.c_str()) != 0) {
    const int err = errno;
    fs::remove(dir_, ec);
    throw errno_error("record the staging directory `" + dir_.string() + "` in `" + store_tmp.string() + "`", err);
  }
  record_ = record;
}

StagingBeside::~StagingBeside() {
  std::error_code ec;
  if (!dir_.empty()) fs::remove_all(dir_, ec);
  if (!record_.empty()) fs::remove(record_, ec);
}

void StagingBeside::commit() {
  if (::rename(dir_.c_str(), dest_.c_str()) != 0) throw_errno("rename into place `" + dest_.string() + "`");
  dir_.clear();
  std::error_code ec;
  fs::remove(record_, ec);
  record_.clear();
}

std::optional<fs::path> staged_beside(const fs::path& record, pid_t pid) {
  const std::string name = record.filename().string();
  if (!name.starts_with(std::to_string(pid) + "-beside-") || !fs::is_symlink(record)) return std::nullopt;
  std::error_code ec;
  const fs::path target = fs::read_symlink(record, ec);
  // Only what this process made: an absolute path whose name carries its pid tag.
  if (ec || !target.is_absolute() || target.filename().string().find(tag_of(pid)) == std::string::npos)
    return std::nullopt;
  return target;
}

}  // namespace gantry::cache

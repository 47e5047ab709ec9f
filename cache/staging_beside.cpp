#include "cache/staging_beside.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <random>
#include <string>

#include "base/error.h"

namespace gantry::cache {

namespace fs = std::filesystem;

namespace {

std::string tag_of(pid_t pid) { return ".tmp-" + std::to_string(pid) + "-"; }

// Six random letters and digits, as mkdtemp picks them.
std::string random_suffix() {
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::random_device random;
  std::string out(6, ' ');
  for (char& c : out) c = kChars[random() % (sizeof kChars - 1)];
  return out;
}

}  // namespace

StagingBeside::StagingBeside(const fs::path& store_tmp, const fs::path& dest) : dest_(dest) {
  std::error_code ec;
  if (fs::exists(dest_, ec) && !(fs::is_directory(dest_, ec) && fs::is_empty(dest_, ec)))
    throw Error("output directory `" + dest_.string() + "`: exists and is not empty");
  const fs::path parent = fs::absolute(dest_.has_parent_path() ? dest_.parent_path() : ".");
  // The record goes first: a command killed between the two leaves a record of a directory
  // that may not exist, never a directory nobody knows of.
  for (int attempt = 0;; ++attempt) {
    const fs::path dir = parent / ("." + dest_.filename().string() + tag_of(::getpid()) + random_suffix());
    const fs::path record = store_tmp / (std::to_string(::getpid()) + "-beside-" + dir.filename().string());
    if (::symlink(dir.c_str(), record.c_str()) != 0)
      throw_errno("record the staging directory `" + dir.string() + "` in `" + store_tmp.string() + "`");
    if (::mkdir(dir.c_str(), 0700) == 0) {
      dir_ = dir;
      record_ = record;
      return;
    }
    const int err = errno;
    fs::remove(record, ec);
    if (err != EEXIST || attempt == 100)
      throw errno_error("create a staging directory beside `" + dest_.string() + "`", err);
  }
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

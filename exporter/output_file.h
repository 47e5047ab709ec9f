// A file written under a temp name beside its destination and renamed into place by commit():
// until then (and forever, if the writer fails) the destination is untouched and the temp file
// is removed on destruction.
#pragma once

#include <filesystem>

#include "base/unique_fd.h"

namespace gantry::exporter {

class OutputFile {
 public:
  explicit OutputFile(std::filesystem::path dest);
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  ~OutputFile();

  int fd() const { return fd_.get(); }
  const std::filesystem::path& dest() const { return dest_; }
  // fsyncs, sets mode 0644 and renames over the destination.
  void commit();

 private:
  std::filesystem::path dest_;
  std::filesystem::path temp_;
  UniqueFd fd_;
  bool committed_ = false;
};

}  // namespace gantry::exporter

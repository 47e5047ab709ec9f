// A file written beside its destination and put in place by commit(): until then (and
// forever, if the writer fails or the process is killed) the destination is untouched. The
// file being written has no name (O_TMPFILE), so even a kill -9 leaves nothing behind; commit()
// links it under a temp name and renames that over the destination.
#pragma once

#include <filesystem>

#include "base/unique_fd.h"

namespace gantry::exporter {

class OutputFile {
 public:
  explicit OutputFile(std::filesystem::path dest);
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  ~OutputFile() = default;

  int fd() const { return fd_.get(); }
  const std::filesystem::path& dest() const { return dest_; }
  // fsyncs, sets mode 0644 and renames over the destination.
  void commit();

 private:
  std::filesystem::path dest_;
  UniqueFd fd_;
};

}  // namespace gantry::exporter

// A file written beside its destination and put in place by commit(): until then (and
// forever, if the writer fails or the process is killed) the destination is untouched. The
// file being written has no name (O_TMPFILE), so even a kill -9 leaves nothing behind; commit()
// links it under a temp name and renames that over the destination.
//
// Or a stream: an fd the caller holds open (standard output piped to the next command, as in
// `gantry save IMAGE | gzip`), written as it goes; commit() only says the bytes are all there.
#pragma once

#include <filesystem>
#include <string>

#include "base/unique_fd.h"

namespace gantry::exporter {

// Where an output goes: a file, or a stream (see above).
struct OutputTarget {
  OutputTarget(std::filesystem::path file) : file(std::move(file)) {}  // NOLINT: a path is a target
  // `fd` stays the caller's; `name` says what it is in errors ("standard output").
  static OutputTarget stream(int fd, std::string name);

  std::filesystem::path file;  // the name of the stream for one
  int stream_fd = -1;
};

class OutputFile {
 public:
  explicit OutputFile(const OutputTarget& target);
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  ~OutputFile() = default;

  int fd() const { return fd_.get(); }
  const std::filesystem::path& dest() const { return dest_; }
  // A file: fsyncs, sets mode 0644 and renames over the destination. A stream: nothing left to do.
  void commit();

 private:
  std::filesystem::path dest_;
  UniqueFd fd_;
  bool stream_ = false;
};

}  // namespace gantry::exporter

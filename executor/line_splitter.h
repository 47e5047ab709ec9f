// Turns a byte stream into complete lines for the LineSink: bytes are appended as they come,
// every finished line is handed out without its newline, and the unfinished tail is kept (never
// cut, however long) until its newline or the end of the stream.
#pragma once

#include <string>
#include <string_view>

#include "executor/executor.h"

namespace gantry::executor {

class LineSplitter {
 public:
  LineSplitter(Stream stream, const LineSink& sink) : stream_(stream), sink_(sink) {}

  void feed(std::string_view bytes);
  // End of stream: a last line without a newline is still a line.
  void finish();

 private:
  Stream stream_;
  const LineSink& sink_;
  std::string partial_;
};

}  // namespace gantry::executor

#include "executor/line_splitter.h"

namespace gantry::executor {

void LineSplitter::feed(std::string_view bytes) {
  std::size_t newline;
  while ((newline = bytes.find('\n')) != std::string_view::npos) {
    if (partial_.empty()) {
      sink_(stream_, bytes.substr(0, newline));
    } else {
      partial_.append(bytes.substr(0, newline));
      sink_(stream_, partial_);
      partial_.clear();
    }
    bytes.remove_prefix(newline + 1);
  }
  partial_.append(bytes);
}

void LineSplitter::finish() {
  if (partial_.empty()) return;
  sink_(stream_, partial_);
  partial_.clear();
}

}  // namespace gantry::executor

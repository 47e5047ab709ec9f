// A FILE* the display under test writes to, and what was written.
#pragma once

#include <cstdio>
#include <string>

namespace gantry::cli::testing {

class CapturedFile {
 public:
  CapturedFile() : file_(std::tmpfile()) {}
  ~CapturedFile() { std::fclose(file_); }
  CapturedFile(const CapturedFile&) = delete;
  CapturedFile& operator=(const CapturedFile&) = delete;
  std::FILE* get() const { return file_; }
  std::string text() const {
    std::fflush(file_);
    std::string out;
    std::rewind(file_);
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, file_)) > 0;) out.append(buf, n);
    std::fseek(file_, 0, SEEK_END);  // the display may write more
    return out;
  }

 private:
  std::FILE* file_;
};

}  // namespace gantry::cli::testing

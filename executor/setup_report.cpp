#include "executor/setup_report.h"

#include <sys/uio.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "base/error.h"

namespace gantry::executor {
namespace {

// Writes every piece, as few writev calls as the pipe allows. The executor may be gone: then
// there is nothing left to tell.
void write_all(int fd, iovec* pieces, int count) noexcept {
  while (count > 0) {
    ssize_t n = ::writev(fd, pieces, count);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    while (count > 0 && static_cast<std::size_t>(n) >= pieces->iov_len) {
      n -= static_cast<ssize_t>(pieces->iov_len);
      ++pieces;
      --count;
    }
    if (count > 0) {
      pieces->iov_base = static_cast<char*>(pieces->iov_base) + n;
      pieces->iov_len -= static_cast<std::size_t>(n);
    }
  }
}

iovec piece(const void* data, std::size_t size) {
  return iovec{const_cast<void*>(data), size};
}

// A decimal number in `buffer` (large enough for any unsigned), as a piece.
iovec decimal(std::array<char, 24>& buffer, unsigned long value) {
  const auto end = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value).ptr;
  return piece(buffer.data(), static_cast<std::size_t>(end - buffer.data()));
}

constexpr char kNul = '\0';
constexpr char kSpace = ' ';

}  // namespace

void report_added(int fd, std::string_view path) noexcept {
  iovec pieces[] = {piece("C", 1), piece(path.data(), path.size()), piece(&kNul, 1)};
  write_all(fd, pieces, 3);
}

void report_copied_up(int fd, std::string_view path, unsigned mode, unsigned uid,
                      unsigned gid) noexcept {
  std::array<char, 24> m, u, g;
  iovec pieces[] = {piece("U", 1),       decimal(m, mode),   piece(&kSpace, 1),
                    decimal(u, uid),     piece(&kSpace, 1),  decimal(g, gid),
                    piece(&kSpace, 1),   piece(path.data(), path.size()), piece(&kNul, 1)};
  write_all(fd, pieces, 9);
}

void report_failure(int fd, const SetupFailure& failure) noexcept {
  // Three fields: the errno, the action, the object; "X" for the command's own exec.
  std::array<char, 24> error;
  iovec pieces[] = {piece(failure.exec ? "X" : "E", 1),
                    decimal(error, static_cast<unsigned long>(failure.error)),
                    piece(&kNul, 1),
                    piece(failure.action, std::strlen(failure.action)),
                    piece(&kNul, 1),
                    piece(failure.object, std::strlen(failure.object)),
                    piece(&kNul, 1)};
  write_all(fd, pieces, 7);
}

SetupReport read_setup_report(int fd) {
  std::string data;
  char buffer[4096];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("read the container's setup report");
    if (n == 0) break;
    data.append(buffer, static_cast<std::size_t>(n));
  }
  SetupReport report;
  std::size_t start = 0;
  // The next NUL-terminated field, or nothing when the data ends first.
  auto field = [&]() -> std::optional<std::string> {
    const std::size_t end = data.find('\0', start);
    if (end == std::string::npos) return std::nullopt;
    std::string text = data.substr(start, end - start);
    start = end + 1;
    return text;
  };
  while (auto record = field()) {
    if (record->empty()) continue;
    const char kind = record->front();
    std::string text = record->substr(1);
    if (kind == 'C') report.added.push_back({.path = std::move(text)});
    if (kind == 'U') {
      AddedPath added{.copied_up = true};
      const char* p = text.data();
      const char* end = text.data() + text.size();
      for (unsigned* value : {&added.mode, &added.uid, &added.gid}) {
        p = std::from_chars(p, end, *value).ptr;
        if (p < end) ++p;  // the space
      }
      added.path.assign(p, end);
      report.added.push_back(std::move(added));
    }
    if (kind == 'E' || kind == 'X') {
      int error = 0;
      std::from_chars(text.data(), text.data() + text.size(), error);
      const std::string action = field().value_or("");
      const std::string object = field().value_or("");
      report.error = describe(SetupFailure{action.c_str(), object.c_str(), error, kind == 'X'});
      if (kind == 'X') report.exec_error = error;
    }
  }
  return report;
}

}  // namespace gantry::executor

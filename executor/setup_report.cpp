#include "executor/setup_report.h"

#include <unistd.h>

#include <cerrno>
#include <sstream>

#include "base/error.h"

namespace gantry::executor {
namespace {

void write_record(int fd, char kind, std::string_view text) {
  std::string record;
  record.reserve(text.size() + 2);
  record.push_back(kind);
  record.append(text);
  record.push_back('\0');
  std::string_view rest = record;
  while (!rest.empty()) {
    const ssize_t n = ::write(fd, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the executor is gone; nothing left to tell
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

void report_added(int fd, const AddedPath& added) {
  if (!added.copied_up) return write_record(fd, 'C', added.path);
  write_record(fd, 'U',
               std::to_string(added.mode) + " " + std::to_string(added.uid) + " " +
                   std::to_string(added.gid) + " " + added.path);
}
void report_error(int fd, std::string_view message) { write_record(fd, 'E', message); }

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
  std::size_t end;
  while ((end = data.find('\0', start)) != std::string::npos) {
    std::string text = data.substr(start + 1, end - start - 1);
    if (data[start] == 'C') report.added.push_back({.path = std::move(text)});
    if (data[start] == 'U') {
      AddedPath added{.copied_up = true};
      std::istringstream fields(text);
      fields >> added.mode >> added.uid >> added.gid;
      fields.get();
      std::getline(fields, added.path, '\0');
      report.added.push_back(std::move(added));
    }
    if (data[start] == 'E') report.error = std::move(text);
    start = end + 1;
  }
  return report;
}

}  // namespace gantry::executor

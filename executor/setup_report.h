// What the container process tells the executor before it execs, over a close-on-exec pipe:
// the mount points it had to create (to be removed from the upper dir afterwards) and, if the
// setup failed, why. A successful exec closes the pipe, so end-of-file with no error means the
// command is running.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "executor/path_in_root.h"
#include "executor/setup_failure.h"

namespace gantry::executor {

// Child side: each is one writev(2) of the caller's strings, nothing allocated. Records end
// with a NUL; the parent reads to end-of-file, so a record split over several writes is still
// read whole.
void report_added(int fd, std::string_view path) noexcept;
void report_copied_up(int fd, std::string_view path, unsigned mode, unsigned uid,
                      unsigned gid) noexcept;
void report_failure(int fd, const SetupFailure& failure) noexcept;

struct SetupReport {
  std::vector<AddedPath> added;  // parents first
  std::optional<std::string> error;  // "<action> `<object>`: <strerror>"
  std::optional<int> exec_error;     // the errno, when the error is the command's own exec
};

// Parent side: reads until the child execs or exits.
SetupReport read_setup_report(int fd);

}  // namespace gantry::executor

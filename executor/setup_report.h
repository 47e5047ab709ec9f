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

namespace gantry::executor {

// Child side. Records end with a NUL; the parent reads to end-of-file, so a record split over
// several writes is still read whole.
void report_added(int fd, const AddedPath& added);
void report_error(int fd, std::string_view message);

struct SetupReport {
  std::vector<AddedPath> added;  // parents first
  std::optional<std::string> error;
};

// Parent side: reads until the child execs or exits.
SetupReport read_setup_report(int fd);

}  // namespace gantry::executor

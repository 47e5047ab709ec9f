// How the supervisor and the container report a failed set-up step. Until the container execs,
// both run in gantry's memory (executor/supervisor.h): they may not allocate, throw or take a
// lock, so a step returns a SetupFailure by value. It holds a constant naming the step, the
// object the step worked on (a string gantry prepared before the clone, or a buffer that lives
// as long as the set-up) and errno; gantry words it once it has read the report (setup_report.h):
// "mount on `/proc`: Operation not permitted".
#pragma once

#include <cerrno>
#include <string>

namespace gantry::executor {

struct SetupFailure {
  const char* action = nullptr;  // nullptr: the step worked
  const char* object = "";       // "" when the action needs none
  int error = 0;                 // 0: `action` is the whole message
  // The command itself could not be executed (not found, not executable): what docker reports
  // with exit codes 127 and 126 rather than as a failure of its own.
  bool exec = false;

  explicit operator bool() const { return action != nullptr; }
};

// The failure of the call that has just set errno.
inline SetupFailure failed(const char* action, const char* object = "") {
  return SetupFailure{action, object, errno};
}

// Gantry's side: "<action> `<object>`: <strerror>", or the action alone when error is 0.
std::string describe(const SetupFailure& failure);

}  // namespace gantry::executor

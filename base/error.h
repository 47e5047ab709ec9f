// Errors in gantry are exceptions that carry the object at fault and the cause, formatted once:
// "<object>: <what is wrong>". They are caught once, at the CLI, which prints
// "gantry: <message>" and picks the exit code from the type.
#pragma once

#include <stdexcept>
#include <string>

namespace gantry {

// A build or runtime failure (exit code 1).
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The user asked for something malformed: a bad flag or argument (exit code 125, like docker).
class UsageError : public Error {
 public:
  using Error::Error;
};

// Builds an Error "<what>: <strerror(err)>"; `what` names the call and the object, e.g.
// "open `/x/y` for writing".
Error errno_error(const std::string& what, int err);
[[noreturn]] void throw_errno(const std::string& what);

}  // namespace gantry

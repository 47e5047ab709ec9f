// What the registry unit tests read of a failure: its one-line message.
#pragma once

#include <functional>
#include <string>

#include "base/error.h"

namespace gantry::registry {

// The message of the Error `f` throws, or "(no error)" when it throws none.
inline std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace gantry::registry

#include "executor/setup_failure.h"

#include "base/error.h"

namespace gantry::executor {

std::string describe(const SetupFailure& failure) {
  if (failure.error == 0) return failure.action;
  const std::string what = *failure.object ? std::string(failure.action) + " `" + failure.object + "`"
                                           : std::string(failure.action);
  return errno_error(what, failure.error).what();
}

}  // namespace gantry::executor

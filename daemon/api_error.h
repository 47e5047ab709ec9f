// An error the API answers with an HTTP status and docker's JSON body {"message": "..."}.
// Anything else a route throws is answered by its type: UsageError 400, Error 500.
#pragma once

#include "base/error.h"

namespace gantry::daemon {

class ApiError : public Error {
 public:
  ApiError(int status, const std::string& message) : Error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

}  // namespace gantry::daemon

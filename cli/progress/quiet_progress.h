// --progress=quiet and -q: prints nothing, so that stdout carries only the image id.
#pragma once

#include "cli/progress/progress_display.h"

namespace gantry::cli {

class QuietProgress : public ProgressDisplay {
 public:
  void event(const solver::ProgressEvent&) override {}
  void note(const std::string&) override {}
};

}  // namespace gantry::cli

// How `gantry build` shows what it does. A ProgressDisplay receives the solver's events
// (from several threads at once), then the build's closing notes ("writing image ... done"),
// then finish() once, after which it writes nothing more. Routing the notes through the
// display lets a live display keep the terminal to itself until the build is over, and lets
// its summary line be the last thing printed.
//
//   auto display = make_progress_display(ProgressMode::Tty);
//   solver::Solver solver(..., *display, ...);
//   solver.solve(def);
//   display->note("writing image sha256:... done");
//   display->finish();   // the destructor finishes too, for a build that threw
#pragma once

#include <string>

#include "solver/solver.h"

namespace gantry::cli {

class ProgressDisplay : public solver::ProgressSink {
 public:
  // A line about the build as a whole, after the solve.
  virtual void note(const std::string& line) = 0;
  // Stops any live rendering and prints the final state; idempotent.
  virtual void finish() {}
};

}  // namespace gantry::cli

// How `gantry build` shows what it does. A ProgressDisplay receives the solver's events
// (from several threads at once), then the build's closing notes ("writing image ... done"),
// then finish() once, after which it writes nothing more. Routing the notes through the
// display lets a live display keep the terminal to itself until the build is over, and lets
// its summary line be the last thing printed.
//
//   auto display = make_progress_display(ProgressMode::Tty);
//   solver::Solver solver(..., *display, ...);
//   solver.solve(def);
//   display->image_written("sha256:...");   // "writing image sha256:... done"
//   display->finish();   // the destructor finishes too, for a build that threw
#pragma once

#include <string>

#include "solver/solver.h"

namespace gantry::cli {

class ProgressDisplay : public solver::ProgressSink {
 public:
  // A line about the build as a whole, after the solve.
  virtual void note(const std::string& line) = 0;
  // The build's closing facts: bake's target whose images the next calls name, then its image
  // and each of its tags. By default each is the note docker prints for it; a display that
  // reports them in its own form (rawjson's exporter statuses) overrides them instead of
  // reading the note's text back.
  virtual void begin_target(const std::string& target) { note("target " + target + ":"); }
  virtual void image_written(const std::string& id) { note("writing image " + id + " done"); }
  virtual void image_named(const std::string& tag) { note("naming to " + tag + " done"); }
  // Stops any live rendering and prints the final state; idempotent.
  virtual void finish() {}
};

}  // namespace gantry::cli

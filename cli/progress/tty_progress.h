// --progress=tty (the default on a terminal), drawn like BuildKit's: a live block at the
// bottom of the terminal with one line per running step, its timer and the last lines of its
// output; finished steps leave the block as one permanent line each (DONE, CACHED, or ERROR
// with the output and the error) that scrolls away like any output. After the build,
// finish() prints the notes and a summary line, which is the last line written.
//
// One render thread repaints at most ten times a second; events only update the board under
// a lock, so a step printing fast never slows the build. A repaint is one write that moves the
// cursor to the top of the previous block and rewrites only the lines that changed.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cli/progress/progress_display.h"
#include "cli/progress/step_board.h"

namespace gantry::cli {

struct TerminalSize {
  std::size_t width = 80, height = 24;
};

class TtyProgress : public ProgressDisplay {
 public:
  // Without fixed_size the size is read from `out`'s terminal at every repaint.
  explicit TtyProgress(std::FILE* out, std::optional<TerminalSize> fixed_size = std::nullopt,
                       std::chrono::milliseconds interval = std::chrono::milliseconds(100));
  ~TtyProgress() override;
  void event(const solver::ProgressEvent& e) override;
  void note(const std::string& line) override;
  void finish() override;

 private:
  void render_loop();
  void paint(bool final);  // with mu_ held
  TerminalSize size() const;
  double elapsed(SteadyTime now) const;

  std::FILE* out_;
  std::optional<TerminalSize> fixed_size_;
  std::chrono::milliseconds interval_;
  SteadyTime start_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool finished_ = false;
  StepBoard board_{3};
  std::vector<bool> printed_;              // per step: its permanent lines are out
  std::vector<std::string> notes_;         // printed by finish()
  std::vector<std::string> shown_;         // the live block now on screen
  std::thread renderer_;                   // last member: starts once the rest is ready
};

}  // namespace gantry::cli

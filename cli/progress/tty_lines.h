// The lines the tty display draws, as pure functions of the step board and the time, so that
// they can be tested without a terminal. Every line fits the terminal's width (a line that
// wrapped would throw off the cursor arithmetic of the repaint) and holds no control
// characters:
//
//    => [a 1/1] RUN make test                DONE 1.0s    (printed once, then scrolls away)
//   [+] Building 2.3s (3/5)                               (the live block, repainted)
//    => [b 1/1] RUN make                       2.1s
//    => => # last lines of its output
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "cli/progress/step_board.h"

namespace gantry::cli {

// text with control characters made spaces, cut to at most `columns` characters (UTF-8 aware).
std::string fit_to_columns(std::string_view text, std::size_t columns);

// " => NAME    STATUS", STATUS right-aligned: the running time, "DONE 1.0s", "CACHED" or
// "ERROR 0.1s".
std::string step_line(const Step& step, SteadyTime now, std::size_t width);

// What stays on screen for a step that has finished: its line; for a failure also its last
// output lines and the error.
std::vector<std::string> finished_lines(const Step& step, std::size_t width);

// The live block: a header with the elapsed time and how many steps are finished, then every
// running step with the last lines of its output. At most `height` lines: output lines are
// dropped first, then running steps beyond what fits are counted in one line.
std::vector<std::string> live_lines(const StepBoard& board, SteadyTime now, double elapsed,
                                    std::size_t width, std::size_t height);

// "Built in 1.2s: 5 steps, 3 cached" (or "Failed after ...: ..., 1 failed").
std::string summary_line(const StepCounts& counts, double elapsed);

}  // namespace gantry::cli

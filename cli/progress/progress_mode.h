// Which progress display a build uses: --progress=auto|tty|plain|json|rawjson|quiet. auto is tty
// when stderr is a terminal (and TERM is not "dumb"), plain otherwise, as docker decides.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cli/progress/progress_display.h"

namespace gantry::cli {

enum class ProgressMode { Auto, Tty, Plain, Json, RawJson, Quiet };

// The --progress values, for the flags' checks and help.
const std::vector<std::string>& progress_mode_names();

// Throws UsageError naming the accepted modes.
ProgressMode parse_progress_mode(std::string_view text);

// tty, plain and rawjson write to stderr (as docker buildx does), json to stdout (to stderr when
// `stdout_taken`: an archive goes there), quiet nowhere.
std::unique_ptr<ProgressDisplay> make_progress_display(ProgressMode mode, bool stdout_taken = false);

}  // namespace gantry::cli

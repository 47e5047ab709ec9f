#include "cli/progress/progress_mode.h"

#include <unistd.h>

#include <cstdlib>
#include <string>

#include "base/error.h"
#include "cli/progress/json_progress.h"
#include "cli/progress/plain_progress.h"
#include "cli/progress/quiet_progress.h"
#include "cli/progress/rawjson_progress.h"
#include "cli/progress/tty_progress.h"

namespace gantry::cli {

const std::vector<std::string>& progress_mode_names() {
  static const std::vector<std::string> names = {"auto", "plain", "tty", "json", "rawjson", "quiet"};
  return names;
}

ProgressMode parse_progress_mode(std::string_view text) {
  if (text == "auto") return ProgressMode::Auto;
  if (text == "tty") return ProgressMode::Tty;
  if (text == "plain") return ProgressMode::Plain;
  if (text == "json") return ProgressMode::Json;
  if (text == "rawjson") return ProgressMode::RawJson;
  if (text == "quiet") return ProgressMode::Quiet;
  throw UsageError("invalid progress mode `" + std::string(text) + "` (use auto, tty, plain, json, rawjson or quiet)");
}

std::unique_ptr<ProgressDisplay> make_progress_display(ProgressMode mode, bool stdout_taken) {
  if (mode == ProgressMode::Auto) {
    const char* term = std::getenv("TERM");
    const bool dumb = term && std::string_view(term) == "dumb";
    mode = isatty(STDERR_FILENO) && !dumb ? ProgressMode::Tty : ProgressMode::Plain;
  }
  switch (mode) {
    case ProgressMode::Tty: return std::make_unique<TtyProgress>(stderr);
    case ProgressMode::Json: return std::make_unique<JsonProgress>(stdout_taken ? stderr : stdout);
    case ProgressMode::RawJson: return std::make_unique<RawJsonProgress>(stderr);
    case ProgressMode::Quiet: return std::make_unique<QuietProgress>();
    default: return std::make_unique<PlainProgress>(stderr);
  }
}

}  // namespace gantry::cli

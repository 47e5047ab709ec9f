#include "cli/progress/tty_lines.h"

#include <cstdio>

#include "base/utf8.h"

namespace gantry::cli {

namespace {

constexpr std::string_view kStepPrefix = " => ";
constexpr std::string_view kLogPrefix = " => => # ";
constexpr std::size_t kStatusColumns = 11;  // "ERROR 12.3s" fits

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fs", s);
  return buf;
}

std::string status_text(const Step& s, SteadyTime now) {
  switch (s.status) {
    case Step::Status::Running:
      return seconds_text(std::chrono::duration<double>(now - s.started).count());
    case Step::Status::Cached: return "CACHED";
    case Step::Status::Done: return "DONE " + seconds_text(s.seconds);
    case Step::Status::Failed: return "ERROR " + seconds_text(s.seconds);
  }
  return {};
}

}  // namespace

std::string fit_to_columns(std::string_view text, std::size_t columns) {
  std::string out(text.substr(0, utf8_prefix_bytes(text, columns)));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
  }
  return out;
}

std::string step_line(const Step& step, SteadyTime now, std::size_t width) {
  std::string status = status_text(step, now);
  std::size_t name_columns =
      width > kStepPrefix.size() + kStatusColumns + 1 ? width - kStepPrefix.size() - kStatusColumns - 1 : 8;
  std::string line = std::string(kStepPrefix) + fit_to_columns(step.name, name_columns);
  std::size_t used = utf8_columns(line);
  std::size_t status_at = kStepPrefix.size() + name_columns + 1 + kStatusColumns - status.size();
  line.append(status_at > used ? status_at - used : 1, ' ');
  line += status;
  return fit_to_columns(line, width);
}

std::vector<std::string> finished_lines(const Step& step, std::size_t width) {
  std::vector<std::string> lines{step_line(step, {}, width)};
  if (step.status != Step::Status::Failed) return lines;
  for (const auto& l : step.tail) lines.push_back(fit_to_columns(std::string(kLogPrefix) + l, width));
  lines.push_back(fit_to_columns(" => => error: " + step.error, width));
  return lines;
}

std::vector<std::string> live_lines(const StepBoard& board, SteadyTime now, double elapsed,
                                    std::size_t width, std::size_t height) {
  const StepCounts counts = board.counts();
  std::vector<std::string> lines{fit_to_columns(
      "[+] Building " + seconds_text(elapsed) + " (" + std::to_string(counts.total - counts.running) + "/" +
          std::to_string(counts.total) + ")",
      width)};
  std::vector<const Step*> running;
  std::size_t log_lines = 0;
  for (const auto& s : board.steps())
    if (s.status == Step::Status::Running) {
      running.push_back(&s);
      log_lines += s.tail.size();
    }
  const bool with_logs = 1 + running.size() + log_lines <= height;
  std::size_t shown = running.size();
  if (1 + shown > height) shown = height > 2 ? height - 2 : 0;  // keep a line for "... more"
  for (std::size_t i = 0; i < shown; ++i) {
    lines.push_back(step_line(*running[i], now, width));
    if (with_logs)
      for (const auto& l : running[i]->tail) lines.push_back(fit_to_columns(std::string(kLogPrefix) + l, width));
  }
  if (shown < running.size())
    lines.push_back(fit_to_columns(" => ... and " + std::to_string(running.size() - shown) + " more running", width));
  return lines;
}

std::string summary_line(const StepCounts& counts, double elapsed) {
  std::string line = (counts.failed ? "Failed after " : "Built in ") + seconds_text(elapsed) + ": " +
                     std::to_string(counts.total) + (counts.total == 1 ? " step, " : " steps, ") +
                     std::to_string(counts.cached) + " cached";
  if (counts.failed) line += ", " + std::to_string(counts.failed) + " failed";
  return line;
}

}  // namespace gantry::cli

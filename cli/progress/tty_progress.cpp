#include "cli/progress/tty_progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include "cli/progress/tty_lines.h"

namespace gantry::cli {

namespace {

constexpr std::string_view kClearToLineEnd = "\x1b[K";
constexpr std::string_view kClearToScreenEnd = "\x1b[J";
constexpr std::string_view kHideCursor = "\x1b[?25l";
constexpr std::string_view kShowCursor = "\x1b[?25h";

std::string cursor_up(std::size_t lines) {
  return lines ? "\r\x1b[" + std::to_string(lines) + "A" : "\r";
}

}  // namespace

TtyProgress::TtyProgress(std::FILE* out, std::optional<TerminalSize> fixed_size,
                         std::chrono::milliseconds interval)
    : out_(out), fixed_size_(fixed_size), interval_(interval), start_(std::chrono::steady_clock::now()),
      renderer_([this] { render_loop(); }) {}

TtyProgress::~TtyProgress() { finish(); }

void TtyProgress::event(const solver::ProgressEvent& e) {
  std::lock_guard lock(mu_);
  board_.apply(e, std::chrono::steady_clock::now());
}

void TtyProgress::note(const std::string& line) {
  std::lock_guard lock(mu_);
  notes_.push_back(line);
}

void TtyProgress::finish() {
  {
    std::lock_guard lock(mu_);
    if (finished_) return;
    finished_ = true;
  }
  wake_.notify_all();
  renderer_.join();
  std::lock_guard lock(mu_);
  paint(true);
}

void TtyProgress::render_loop() {
  std::unique_lock lock(mu_);
  while (!finished_) {
    paint(false);
    wake_.wait_for(lock, interval_, [this] { return finished_; });
  }
}

TerminalSize TtyProgress::size() const {
  if (fixed_size_) return *fixed_size_;
  winsize ws{};
  if (ioctl(fileno(out_), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0)
    return {ws.ws_col, ws.ws_row};
  return {};
}

double TtyProgress::elapsed(SteadyTime now) const {
  return std::chrono::duration<double>(now - start_).count();
}

void TtyProgress::paint(bool final) {
  const auto now = std::chrono::steady_clock::now();
  const TerminalSize term = size();
  // Rows that stay: steps finished since the last paint, in step order.
  std::vector<std::string> permanent;
  const auto& steps = board_.steps();
  printed_.resize(steps.size(), false);
  for (std::size_t i = 0; i < steps.size(); ++i) {
    if (printed_[i]) continue;
    if (steps[i].status == Step::Status::Running) {
      if (!final) continue;
      permanent.push_back(step_line(steps[i], now, term.width));  // stopped by a failure elsewhere
    } else {
      for (auto& l : finished_lines(steps[i], term.width)) permanent.push_back(std::move(l));
    }
    printed_[i] = true;
  }
  std::vector<std::string> live;
  if (final) {
    for (const auto& n : notes_) permanent.push_back(n);
    permanent.push_back(summary_line(board_.counts(), elapsed(now)));
  } else if (board_.counts().running > 0) {
    // With nothing running there is no live block, so that output written straight to the
    // terminal after the solve (an export's messages) is never painted over.
    // Keep a spare row so that the block never scrolls the terminal's top line away mid-paint.
    live = live_lines(board_, now, elapsed(now), term.width, term.height > 4 ? term.height - 1 : 3);
  }
  if (permanent.empty() && live == shown_) return;

  std::string frame(kHideCursor);
  if (!shown_.empty()) frame += cursor_up(shown_.size());
  // The final frame may hold notes wider than the terminal, which wrap: clear the old block
  // first instead of overwriting it row by row.
  if (final) frame += kClearToScreenEnd;
  std::size_t row = 0;
  auto put = [&](const std::string& line) {
    if (!final && row < shown_.size() && shown_[row] == line) {
      frame += '\n';  // unchanged: step over it
    } else {
      frame += line;
      frame += kClearToLineEnd;
      frame += '\n';
    }
    ++row;
  };
  for (const auto& l : permanent) put(l);
  for (const auto& l : live) put(l);
  if (row < shown_.size()) frame += kClearToScreenEnd;
  frame += kShowCursor;
  std::fwrite(frame.data(), 1, frame.size(), out_);
  std::fflush(out_);
  shown_ = std::move(live);
}

}  // namespace gantry::cli

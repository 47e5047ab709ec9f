#include "cli/progress/plain_progress.h"

namespace gantry::cli {

namespace {

// "#<n> <prefix><line>\n" for every line of text (one line when text has no newline).
void append_lines(std::string& out, int n, const std::string& prefix, const std::string& text) {
  std::size_t pos = 0;
  do {
    auto nl = text.find('\n', pos);
    out += "#" + std::to_string(n) + " " + prefix;
    out.append(text, pos, nl == std::string::npos ? std::string::npos : nl - pos);
    out += '\n';
    pos = nl == std::string::npos ? text.size() + 1 : nl + 1;
  } while (pos <= text.size());
}

std::string fixed(double value, int decimals) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

}  // namespace

int PlainProgress::number(const std::string& vertex) {
  auto [it, inserted] = numbers_.try_emplace(vertex, static_cast<int>(numbers_.size()) + 1);
  return it->second;
}

void PlainProgress::write(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), out_);
  std::fflush(out_);
}

void PlainProgress::event(const solver::ProgressEvent& e) {
  using Kind = solver::ProgressEvent::Kind;
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  const int n = number(e.vertex);
  std::string out;
  switch (e.kind) {
    case Kind::Started:
      started_[e.vertex] = now;
      append_lines(out, n, "", e.description);
      if (!e.text.empty()) append_lines(out, n, "not cached: ", e.text);
      break;
    case Kind::Cached:
      append_lines(out, n, "", e.description);
      append_lines(out, n, "", "CACHED");
      break;
    case Kind::Log: {
      auto started = started_.try_emplace(e.vertex, now).first->second;
      append_lines(out, n, fixed(std::chrono::duration<double>(now - started).count(), 3) + " ", e.text);
      break;
    }
    case Kind::Done:
      append_lines(out, n, "", "DONE " + fixed(e.seconds, 1) + "s");
      break;
    case Kind::Error:
      append_lines(out, n, "ERROR: ", e.text);
      break;
  }
  write(out);
}

void PlainProgress::note(const std::string& line) {
  std::lock_guard lock(mu_);
  write(line + "\n");
}

}  // namespace gantry::cli

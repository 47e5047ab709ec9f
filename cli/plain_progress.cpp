#include "cli/plain_progress.h"

namespace gantry::cli {

int PlainProgress::number(const std::string& vertex) {
  auto [it, inserted] = numbers_.try_emplace(vertex, static_cast<int>(numbers_.size()) + 1);
  return it->second;
}

void PlainProgress::event(const solver::ProgressEvent& e) {
  using Kind = solver::ProgressEvent::Kind;
  std::lock_guard lock(mu_);
  const int n = number(e.vertex);
  switch (e.kind) {
    case Kind::Started:
      started_[e.vertex] = std::chrono::steady_clock::now();
      std::fprintf(out_, "#%d %s\n", n, e.description.c_str());
      if (!e.text.empty()) std::fprintf(out_, "#%d not cached: %s\n", n, e.text.c_str());
      break;
    case Kind::Cached:
      std::fprintf(out_, "#%d %s\n#%d CACHED\n", n, e.description.c_str(), n);
      break;
    case Kind::Log: {
      double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_[e.vertex]).count();
      std::fprintf(out_, "#%d %.3f %s\n", n, t, e.text.c_str());
      break;
    }
    case Kind::Done:
      std::fprintf(out_, "#%d DONE %.1fs\n", n, e.seconds);
      break;
    case Kind::Error:
      std::fprintf(out_, "#%d ERROR: %s\n", n, e.text.c_str());
      break;
  }
  std::fflush(out_);
}

}  // namespace gantry::cli

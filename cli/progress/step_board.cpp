#include "cli/progress/step_board.h"

namespace gantry::cli {

Step& StepBoard::step(const solver::ProgressEvent& e, SteadyTime now) {
  auto [it, inserted] = index_.try_emplace(e.vertex, steps_.size());
  if (inserted) {
    steps_.push_back({.number = static_cast<int>(steps_.size()) + 1, .name = e.description, .started = now});
  }
  return steps_[it->second];
}

void StepBoard::apply(const solver::ProgressEvent& e, SteadyTime now) {
  using Kind = solver::ProgressEvent::Kind;
  Step& s = step(e, now);
  if (s.name.empty()) s.name = e.description;
  switch (e.kind) {
    case Kind::Started:
      s.status = Step::Status::Running;
      s.started = now;
      break;
    case Kind::Cached:
      s.status = Step::Status::Cached;
      break;
    case Kind::Log:
      s.tail.push_back(e.text);
      while (s.tail.size() > tail_lines_) s.tail.pop_front();
      break;
    case Kind::Done:
      s.status = Step::Status::Done;
      s.seconds = e.seconds;
      break;
    case Kind::Error:
      s.status = Step::Status::Failed;
      s.seconds = e.seconds;
      s.error = e.text;
      break;
  }
}

int StepBoard::number_of(const std::string& vertex) const {
  auto it = index_.find(vertex);
  return it == index_.end() ? 0 : steps_[it->second].number;
}

StepCounts StepBoard::counts() const {
  StepCounts c;
  for (const auto& s : steps_) {
    ++c.total;
    switch (s.status) {
      case Step::Status::Running: ++c.running; break;
      case Step::Status::Cached: ++c.cached; break;
      case Step::Status::Done: ++c.done; break;
      case Step::Status::Failed: ++c.failed; break;
    }
  }
  return c;
}

}  // namespace gantry::cli

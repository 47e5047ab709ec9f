// Builds bake targets on one state root with one shared build cache (`gantry bake`).
//
// Targets are built in waves: a target's wave comes after the waves of everything it
// depends_on (whose images are named before it is lowered, so it can say FROM them), and the
// targets of one wave build concurrently, each on a thread with its own BuildJob and its own
// Store connection on the same root, sharing the executor, the progress sink and the messages.
// The solver runs one graph per solve and gives each solve one build context, so targets are
// not merged into one graph; a step two targets of the same wave share still runs once (the
// solver's per-key step lock makes one wait for the other's result), and a step a target
// shares with one it depends on is taken from the cache.
#pragma once

#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "engine/build_job.h"
#include "engine/messages.h"
#include "engine/registry_access.h"
#include "executor/executor.h"
#include "exporter/image.h"
#include "solver/solver.h"

namespace gantry::engine {

struct BakeTargetBuild {
  std::string name;
  std::vector<std::string> depends_on;  // names of targets listed before this one
  // Made when the target's wave starts: its context may be what an earlier wave wrote.
  std::function<BuildRequest()> request;
};

struct BakedImage {
  std::string target;
  std::vector<std::string> tags;  // as the image was named
  exporter::ImageRecord image;
};

class BakeScheduler {
 public:
  BakeScheduler(std::filesystem::path root, RegistryAccess registry, executor::Executor& executor,
                solver::ProgressSink& progress, Messages& messages);

  // Builds `targets` (dependencies first) wave by wave. The first failure cancels the targets
  // still building and is rethrown as "target NAME: ..." once all have stopped; later waves
  // do not start.
  std::vector<BakedImage> run(const std::vector<BakeTargetBuild>& targets);
  // Safe from any thread: stops the running targets; run() then throws solver::Cancelled.
  void cancel();

 private:
  struct TargetJob;
  void build_wave(std::vector<TargetJob>& jobs);

  std::filesystem::path root_;
  RegistryAccess registry_;
  executor::Executor& executor_;
  solver::ProgressSink& progress_;
  Messages& messages_;
  std::mutex mutex_;  // guards `cancelled_` and the running jobs against cancel()
  bool cancelled_ = false;
  std::vector<TargetJob>* running_ = nullptr;
};

// Each target's wave: 0 for targets without dependencies, else one more than the latest of
// its dependencies. `targets` lists dependencies first; the result holds indexes into it.
std::vector<std::vector<std::size_t>> bake_waves(const std::vector<BakeTargetBuild>& targets);

}  // namespace gantry::engine

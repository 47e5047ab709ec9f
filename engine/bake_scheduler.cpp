#include "engine/bake_scheduler.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <thread>

#include "base/error.h"
#include "cache/store.h"

namespace gantry::engine {

namespace fs = std::filesystem;

// One target being built: its own Store connection, then its job.
struct BakeScheduler::TargetJob {
  const BakeTargetBuild* target;
  std::unique_ptr<cache::Store> store;
  std::unique_ptr<BuildJob> job;
  std::optional<exporter::ImageRecord> image;
  std::exception_ptr error;
};

std::vector<std::vector<std::size_t>> bake_waves(const std::vector<BakeTargetBuild>& targets) {
  std::map<std::string, std::size_t> wave_of;
  std::vector<std::vector<std::size_t>> out;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    std::size_t wave = 0;
    for (const auto& dep : targets[i].depends_on) {
      const auto it = wave_of.find(dep);
      if (it == wave_of.end())
        throw Error("bake target " + targets[i].name + " depends on " + dep + ", which is not listed before it");
      wave = std::max(wave, it->second + 1);
    }
    wave_of[targets[i].name] = wave;
    if (out.size() <= wave) out.resize(wave + 1);
    out[wave].push_back(i);
  }
  return out;
}

BakeScheduler::BakeScheduler(fs::path root, RegistryAccess registry, executor::Executor& executor,
                             solver::ProgressSink& progress, Messages& messages)
    : root_(std::move(root)),
      registry_(std::move(registry)),
      executor_(executor),
      progress_(progress),
      messages_(messages) {}

void BakeScheduler::cancel() {
  std::lock_guard lock(mutex_);
  cancelled_ = true;
  if (running_)
    for (auto& j : *running_)
      if (j.job) j.job->cancel();
}

std::vector<BakedImage> BakeScheduler::run(const std::vector<BakeTargetBuild>& targets) {
  std::vector<BakedImage> baked;
  for (const auto& wave : bake_waves(targets)) {
    std::vector<TargetJob> jobs;
    for (std::size_t i : wave) jobs.push_back({.target = &targets[i]});
    build_wave(jobs);
    for (auto& j : jobs) baked.push_back({j.target->name, j.job->request().tags, *j.image});
  }
  return baked;
}

void BakeScheduler::build_wave(std::vector<TargetJob>& jobs) {
  {
    std::lock_guard lock(mutex_);
    running_ = &jobs;
  }
  std::vector<std::thread> threads;
  for (auto& j : jobs)
    threads.emplace_back([this, &j] {
      try {
        auto store = std::make_unique<cache::Store>(root_);
        auto job = std::make_unique<BuildJob>(j.target->request(), *store, registry_, messages_);
        {
          std::lock_guard lock(mutex_);
          j.store = std::move(store);
          j.job = std::move(job);
          if (cancelled_) j.job->cancel();
        }
        j.job->lower();
        j.job->solve(executor_, progress_);
        j.image = j.job->finish();
      } catch (...) {
        j.error = std::current_exception();
        cancel();  // again when another target failed first: cancelling twice is harmless
      }
    });
  for (auto& t : threads) t.join();
  {
    std::lock_guard lock(mutex_);
    running_ = nullptr;
  }
  // The first real failure; targets stopped because of it only report Cancelled.
  for (bool skip_cancelled : {true, false})
    for (auto& j : jobs) {
      if (!j.error) continue;
      try {
        std::rethrow_exception(j.error);
      } catch (const solver::Cancelled&) {
        if (!skip_cancelled) throw;
      } catch (const UsageError& e) {
        throw UsageError("target " + j.target->name + ": " + e.what());
      } catch (const std::exception& e) {
        throw Error("target " + j.target->name + ": " + e.what());
      }
    }
}

}  // namespace gantry::engine

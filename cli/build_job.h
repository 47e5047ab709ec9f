// One build from an already-parsed request to an image in the store and its outputs: what
// `gantry build` runs once and `gantry bake` runs for every target.
//
//   BuildJob job(std::move(request), store, registry_options);
//   const llb::Definition& graph = job.lower();   // reads the Dockerfile, resolves FROM images
//   job.solve(executor, progress);                 // runs the graph; cancel() stops it
//   exporter::ImageRecord image = job.finish();    // commits, writes outputs, names the image
//   note_built_image(progress, job.request().tags, image);
//
// The store, executor and progress display may be shared by jobs running on several threads
// (each with a Store of its own on the same root: a Store's database connection keeps one
// transaction at a time).
#pragma once

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include "cache/store.h"
#include "cli/build_input.h"
#include "cli/cache_import.h"
#include "cli/cache_spec.h"
#include "cli/output_spec.h"
#include "cli/progress/progress_display.h"
#include "executor/executor.h"
#include "exporter/image.h"
#include "frontend/dockerfile/frontend.h"
#include "llb/definition.h"
#include "registry/registry_options.h"
#include "solver/solver.h"

namespace gantry::cli {

struct BuildRequest {
  BuildInput input;  // context directory and Dockerfile
  std::string target;  // the stage ("" = the last)
  std::map<std::string, std::string> build_args;
  std::map<std::string, std::string> labels;
  bool no_cache = false;
  std::set<std::string> no_cache_stages;
  std::string network = "default";  // default (private, outbound access) | host | none
  solver::Entitlements entitlements;  // --allow: what the Dockerfile's steps may ask for
  executor::Limits limits;            // of every RUN step: -m, --pids-limit
  std::vector<std::string> tags;     // familiar names the image gets
  std::vector<OutputSpec> outputs;   // besides the local store, which always gets the image
  std::map<std::string, std::string> secrets;  // id -> value
  std::map<std::string, std::filesystem::path> ssh_sockets;
  bool pull = false;  // pull FROM images that name a registry even when the store has them
  bool explain_cache = false;
  int max_parallelism = 0;
  std::string iidfile;
  std::string metadata_file;
  std::vector<CacheSpec> cache_from;  // build cache to import, asked for what the store lacks
  std::vector<CacheSpec> cache_to;    // where the build's cache records are exported
};

class BuildJob {
 public:
  BuildJob(BuildRequest request, cache::Store& store, registry::RegistryOptions registry);
  ~BuildJob();  // waits for layers still being packed

  const BuildRequest& request() const { return request_; }

  // Lowers the Dockerfile; FROM images come from the store, or are pulled when their name
  // names a registry (always with request.pull). Warnings go to stderr.
  const llb::Definition& lower();
  // Runs the lowered graph; throws solver::Cancelled when cancel() was called (even before).
  void solve(executor::Executor& executor, ProgressDisplay& progress);
  // Safe from any thread (a signal handler's, another job's).
  void cancel();
  // Commits the solved layers as an image, writes every output (oci, docker, tar, local,
  // registry) and exports the build cache, then names the image and writes the iidfile and
  // metadata file.
  exporter::ImageRecord finish();

 private:
  // How the local store keeps the layers (uncompressed unless -o type=image,compression=...).
  exporter::PackOptions local_pack() const;
  // Waits for the layers still being packed (none when nothing was).
  void wait_for_packing();

  BuildRequest request_;
  cache::Store& store_;
  // How many blobs the store had made when the job began: a failed finish() removes those made
  // since (layers packed during the solve too) that no image needs.
  std::size_t blobs_at_start_;
  registry::RegistryOptions registry_;
  std::optional<frontend::BuildPlan> plan_;
  std::optional<llb::Definition> definition_;
  std::optional<solver::Result> result_;
  std::vector<solver::CacheRecord> records_;  // behind result_, for --cache-to
  std::mutex solver_mutex_;  // guards solver_ against cancel()
  solver::Solver* solver_ = nullptr;
  std::atomic<bool> cancelled_{false};
  // Packs (or, kept unpacked, hashes) each new layer for the store while the build goes on:
  // finish() then finds it done.
  // An arena of its own: the solver's arena, where the layers appear, ends with the solve.
  tbb::task_arena packing_arena_;
  tbb::task_group layer_packing_;
  std::atomic<bool> packing_started_{false};
  std::mutex packed_mutex_;
  std::vector<std::pair<std::string, exporter::LayerBlob>> packed_;  // snapshot -> its blob
};

// The closing progress lines of a build: "writing image sha256:... done", "naming to ... done".
void note_built_image(ProgressDisplay& progress, const std::vector<std::string>& tags,
                      const exporter::ImageRecord& image);

}  // namespace gantry::cli

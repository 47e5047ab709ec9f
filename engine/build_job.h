// One build from an already-parsed request to an image in the store and its outputs: what
// `gantry build` runs once and `gantry bake` runs for every target.
//
//   BuildJob job(std::move(request), store, registry, messages);
//   const llb::Definition& graph = job.lower();   // reads the Dockerfile, resolves FROM images
//   job.solve(executor, progress);                 // runs the graph; cancel() stops it
//   exporter::ImageRecord image = job.finish();    // commits, writes outputs, names the image
//
// The job reads no environment and writes no output of its own: what the environment gives a
// build is in the request, and what it has to say goes to `messages` and the progress sink.
// The store, executor, messages and progress sink may be shared by jobs running on several
// threads (each with a Store of its own on the same root: a Store's database connection keeps
// one transaction at a time).
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
#include "engine/build_input.h"
#include "engine/cache_import.h"
#include "engine/cache_spec.h"
#include "engine/image_annotations.h"
#include "engine/image_output.h"
#include "engine/messages.h"
#include "engine/named_contexts.h"
#include "engine/output_spec.h"
#include "engine/pull_policy.h"
#include "engine/registry_access.h"
#include "executor/executor.h"
#include "exporter/image.h"
#include "frontend/dockerfile/frontend.h"
#include "llb/definition.h"
#include "solver/solver.h"

namespace gantry::engine {

struct BuildRequest {
  BuildInput input;  // context directory and Dockerfile
  // --build-context, by name as frontend/dockerfile/named_context.h gives it.
  std::map<std::string, BuildContextSource> named_contexts;
  std::string target;  // the stage ("" = the last)
  // --platform: what the image is for (TARGETPLATFORM); empty: the host's. One platform only.
  std::vector<Platform> platforms;
  std::map<std::string, std::string> build_args;
  // $SOURCE_DATE_EPOCH as the front end's environment gives it ("" when unset); a build arg of
  // that name wins. Either clamps the image's times and its layers' mtimes.
  std::string source_date_epoch;
  std::map<std::string, std::string> labels;
  bool no_cache = false;
  std::set<std::string> no_cache_stages;
  std::string network = "default";  // default (private, outbound access) | host | none
  solver::Entitlements entitlements;  // --allow: what the Dockerfile's steps may ask for
  executor::Limits limits;            // of every RUN step: -m, --pids-limit
  std::vector<executor::HostEntry> extra_hosts;  // every RUN step's /etc/hosts gets them: --add-host
  std::int64_t shm_bytes = executor::kDefaultShmBytes;  // of every RUN step's /dev/shm: --shm-size
  std::vector<executor::Ulimit> ulimits;                // of every RUN step's process: --ulimit
  executor::SecurityOptions security;                   // of every RUN step: --security-opt
  std::vector<std::string> tags;     // familiar names the image gets
  std::vector<OutputSpec> outputs;   // besides the local store, which always gets the image
  // --annotation: on every output, as buildx puts them; on the local store's image when there is none.
  ImageAnnotations annotations;
  // Where an output with dest=- goes (the front end's standard output); without it, dest=- is refused.
  std::optional<exporter::OutputTarget> standard_output;
  std::map<std::string, std::string> secrets;  // id -> value
  std::map<std::string, std::filesystem::path> ssh_sockets;               // --ssh ID=SOCKET
  std::map<std::string, std::vector<std::filesystem::path>> ssh_keys;    // --ssh ID=KEY[,KEY]: an agent each
  // The agent ADD <git url> uses for ssh remotes when --ssh gives no `default`: the front end's
  // $SSH_AUTH_SOCK ("" = none).
  std::filesystem::path ssh_agent;
  PullPolicy pull = PullPolicy::Missing;  // when FROM, COPY --from and RUN --mount=from images are pulled
  bool explain_cache = false;
  int max_parallelism = 0;
  std::string iidfile;
  std::string metadata_file;
  std::vector<CacheSpec> cache_from;  // build cache to import, asked for what the store lacks
  std::vector<CacheSpec> cache_to;    // where the build's cache records are exported
};

// What --call=check found: the checks' warnings, and the error that stopped the lowering (or
// error=true's "lint violation found"), if one did.
struct CheckOutcome {
  std::vector<frontend::CheckWarning> warnings;
  std::optional<std::string> error;
};

class BuildJob {
 public:
  BuildJob(BuildRequest request, cache::Store& store, RegistryAccess registry, Messages& messages);
  ~BuildJob();  // waits for layers still being packed

  const BuildRequest& request() const { return request_; }

  // Lowers the Dockerfile; its images (FROM, COPY --from, RUN --mount=from) come from the store,
  // or are pulled as request.pull says. The Dockerfile's warnings and broken build checks go to
  // the messages; with `# check=error=true` a broken check fails it.
  const llb::Definition& lower();
  // --call=check: runs the build checks on every stage (on those the target needs when it is
  // named) and builds nothing. Errors are in the outcome, not thrown.
  CheckOutcome check();
  // --call=outline: what the target stage reads (its images are resolved as lower() does).
  frontend::Outline outline();
  // Runs the lowered graph; throws solver::Cancelled when cancel() was called (even before).
  void solve(executor::Executor& executor, solver::ProgressSink& progress);
  // Safe from any thread (a signal handler's, another job's).
  void cancel();
  // Commits the solved layers as an image, writes every output (oci, docker, tar, local,
  // registry) and exports the build cache, then names the image and writes the iidfile and
  // metadata file.
  exporter::ImageRecord finish();

 private:
  frontend::BuildOptions lowering_options();
  // How Git sources reach their remotes: through the `--ssh default` agent among `ssh_sockets`,
  // else the request's ssh_agent, and with the registry credentials for https hosts.
  solver::GitAccess git_access_through(
      const std::map<std::string, std::filesystem::path>& ssh_sockets) const;
  // SOURCE_DATE_EPOCH from the build args, else from the request.
  std::optional<std::int64_t> source_date_epoch() const;
  // How the local store keeps the layers (uncompressed unless -o type=image,compression=...).
  exporter::PackOptions local_pack() const;
  // The local store's image: the manifest annotations of every type=image output, and the names
  // of those and of type=docker without dest=.
  AnnotationMap local_annotations() const;
  std::vector<std::string> local_names() const;
  // Waits for the layers still being packed (none when nothing was).
  void wait_for_packing();

  BuildRequest request_;
  cache::Store& store_;
  // How many blobs the store had made when the job began: a failed finish() removes those made
  // since (layers packed during the solve too) that no image needs.
  std::size_t blobs_at_start_;
  RegistryAccess registry_;
  Messages& messages_;
  std::vector<std::unique_ptr<ImageOutput>> outputs_;  // one per request.outputs but type=image
  // --build-context: resolved as lower() meets them, their downloads kept for the solve.
  std::unique_ptr<NamedContexts> named_contexts_;
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

}  // namespace gantry::engine

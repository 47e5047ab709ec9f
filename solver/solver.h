// Runs an llb graph: computes every vertex's cache key, looks the target up in the build cache,
// and executes only what is missing, in parallel (TBB): every vertex whose inputs are ready
// runs at once, identical vertices run once, and the first failure cancels the rest.
//
// A result is a stack of layer snapshots (bottom first), or for a local source the host
// directory it names. A RUN adds one snapshot (its overlay upper dir); a file op adds one
// snapshot holding what it changed. Results are recorded in the metadata database under their
// cache key, so a later build with the same key reuses the snapshots without running anything.
//
// Cache key of a vertex = its op (with the build's resolved network mode) + its inputs' cache
// keys + for every path it reads from a local directory (COPY sources, bind mounts) the content
// checksum of exactly those paths. Secrets, cache-mount contents and progress options never
// enter a key. Early cut-off: a step that copies out of another step's result also has a
// content key, over the content of what it copies (copied_content.h), and the steps after it
// are keyed over that; once a vertex's inputs are done it is looked up under that key too, so a
// step that re-runs but makes the same files leaves the steps that copy them cached.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "cache/source_tree.h"
#include "cache/store.h"
#include "executor/executor.h"
#include "llb/definition.h"
#include "solver/entitlements.h"
#include "solver/git_source.h"

namespace gantry::solver {

// Thrown by solve() when the build was cancelled, and inside it by vertices stopped because
// another vertex failed.
class Cancelled : public Error {
 public:
  Cancelled() : Error("build cancelled") {}
};

struct Result {
  std::vector<std::string> layers;        // snapshot ids, bottom first
  std::optional<std::filesystem::path> host_dir;  // local sources
  std::int64_t created = 0;  // unix seconds when this result was first built (0: unknown)
};

struct ProgressEvent {
  enum class Kind { Started, Cached, Log, Done, Error };
  Kind kind;
  std::string vertex;  // digest hex of the vertex
  std::string description;
  std::string location;
  std::string text;        // Log: the line; Error: the message; Started: why it missed the cache
  executor::Stream stream = executor::Stream::Stdout;
  double seconds = 0;      // Done/Error: how long the vertex ran
  std::vector<std::string> inputs;  // digest hex of the vertices it reads (for a graph display)
};

// Receives every progress event; must be safe to call from several threads.
class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  virtual void event(const ProgressEvent& e) = 0;
};

// A build cache record: the result a cache key stands for.
struct CacheRecord {
  Digest key;
  Result result;
};

// Build cache records kept outside the store (--cache-from), asked for each key the store has
// no record of. Called only from the thread that called solve(), before any step runs.
class CacheImporter {
 public:
  virtual ~CacheImporter() = default;
  // The result recorded for `key`, its layers brought into the store as snapshots (with the
  // time it was first built in `created`); nothing when the key is not there.
  virtual std::optional<Result> fetch(const Digest& key) = 0;
};

// Turns a "docker-image://name@sha256:..." source into its layer snapshots (bottom first),
// unpacking layers that are not unpacked yet.
class ImageProvider {
 public:
  virtual ~ImageProvider() = default;
  virtual std::vector<std::string> layers(const std::string& identifier) = 0;
  // The image's diff_ids (the digests of its layers' tars), bottom first: what the steps on it
  // are keyed by. Reads only the manifest and config.
  virtual std::vector<Digest> diff_ids(const std::string& identifier) = 0;
};

struct LocalDir {
  std::filesystem::path path;
  cache::ExcludeRules excluded;  // .dockerignore
};

// Turns .dockerignore-style patterns into rules whose excluded() says what they match.
using PatternRules = std::function<cache::ExcludeRules(const std::vector<std::string>& patterns)>;

struct SolveOptions {
  std::map<std::string, LocalDir> local_dirs;   // "context" -> the build context
  // How COPY --exclude and --parents patterns match: the frontend's .dockerignore matcher,
  // given by the caller (the solver does not depend on the frontend). A copy with such
  // patterns fails when this is not set.
  PatternRules path_patterns;
  std::map<std::string, std::string> secrets;   // --secret id -> value
  std::map<std::string, std::filesystem::path> ssh_sockets;  // --ssh id -> agent socket
  GitAccess git;  // how ADD <git url> reaches its remote
  // What NetworkMode::Default means for this build: the build's --network.
  executor::Network default_network = executor::Network::Private;
  Entitlements entitlements;  // what the graph's steps may ask for (--allow)
  executor::Limits limits;    // of every RUN step (--memory, --pids-limit)
  // Every RUN step's /etc/hosts gets these (--add-host). Their names are keyed, their
  // addresses not, as BuildKit keys an ExecOp's extra hosts.
  std::vector<executor::HostEntry> extra_hosts;
  // The size of every RUN step's /dev/shm (--shm-size). Keyed when not the default, as
  // BuildKit keys it: the size of a tmpfs mount of the ExecOp.
  std::int64_t shm_bytes = executor::kDefaultShmBytes;
  // Every RUN step's setrlimit limits (--ulimit). Keyed, as BuildKit keys an ExecOp's ulimits.
  std::vector<executor::Ulimit> ulimits;
  // Every RUN step's seccomp filter and no_new_privs (--security-opt). Keyed when not the
  // default (solver/cache_keys.cpp says why).
  executor::SecurityOptions security;
  int max_parallelism = 0;   // 0: max(hardware threads, 4)
  bool explain_cache = false;  // say in each Started event why the step was not cached
  std::string build_identity;  // names "the same build" across runs, for explanations
  CacheImporter* cache_importer = nullptr;  // --cache-from; must outlive the solver
  // Called from a worker thread with each snapshot a step has just made, so that its layer can
  // be packed while the build goes on. Must be thread-safe and return quickly.
  std::function<void(const std::string& snapshot)> on_new_snapshot;
};

class Solver {
 public:
  Solver(cache::Store& store, executor::Executor& executor, ImageProvider& images,
         ProgressSink& progress, SolveOptions options);

  // Throws Error before anything runs when a step needs an entitlement the options do not
  // grant (solver/entitlements.h).
  Result solve(const llb::Definition& def);

  // Stops a running solve() from another thread (Ctrl-C): running steps are killed, their
  // mounts released, and solve() throws Cancelled. Safe to call at any time.
  void cancel() { cancel_requested_.store(true); }

  // Vertices executed by the last solve() (not taken from the cache).
  int executed_count() const { return executed_; }

  // The cache records of the last solve()'s graph: every vertex it ran or found in a cache
  // (sources aside), and the store's (or else the cache importer's) records of those it had no
  // need to visit (below a cache hit), so that what was imported can be exported again. What
  // --cache-to chooses from; the importer must still be alive.
  std::vector<CacheRecord> records() const;

 private:
  cache::Store& store_;
  executor::Executor& executor_;
  ImageProvider& images_;
  ProgressSink& progress_;
  SolveOptions options_;
  std::atomic<int> executed_{0};
  std::atomic<bool> cancel_requested_{false};
  std::vector<CacheRecord> records_;    // of the vertices the last solve() visited
  std::vector<Digest> unvisited_keys_;  // cache keys of the vertices behind a hit
};

// Gives this process its own mount namespace with private propagation, so the overlay mounts
// the solver makes for file ops are invisible to the host and vanish when the process dies,
// even by SIGKILL. Call once at start, before any thread is created.
void isolate_mounts();

}  // namespace gantry::solver

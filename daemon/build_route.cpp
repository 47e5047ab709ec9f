// POST /build: the context tarball arrives as the request body and is spooled to the store's
// scratch space as it comes (never held whole in memory); the build then runs while its
// progress streams back as the classic builder's JSON messages. A client that hangs up cancels
// its build, as does the daemon's shutdown.
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <sstream>
#include <thread>

#include "base/error.h"
#include "base/file_util.h"
#include "base/git_url.h"
#include "base/image_ref.h"
#include "cache/garbage_collector.h"
#include "cache/store.h"
#include "daemon/api_error.h"
#include "daemon/api_router.h"
#include "daemon/build_params.h"
#include "daemon/classic_build_output.h"
#include "daemon/daemon_cache.h"
#include "daemon/request_body.h"
#include "engine/build_input.h"
#include "engine/build_job.h"
#include "engine/git_build_input.h"
#include "executor/executor.h"
#include "exporter/image.h"

namespace gantry::daemon {

namespace fs = std::filesystem;

namespace {

// The largest build context the daemon takes (docker sets none; a context this big is a
// mistake, like a missing .dockerignore).
constexpr std::uint64_t kMaxContextBytes = std::uint64_t{16} << 30;

// How often a build that writes nothing looks whether its client is still there.
constexpr auto kClientCheckInterval = std::chrono::milliseconds(200);

// The Dockerfile's path in the context: a leading slash means the context's root (as dockerd
// joins it), and no path may climb out of it.
std::string dockerfile_in_context(const std::string& dockerfile) {
  const fs::path path = fs::path(dockerfile).relative_path().lexically_normal();
  if (path.empty() || *path.begin() == "..")
    throw UsageError("build parameter `dockerfile`: `" + dockerfile +
                     "` is not a path inside the context");
  return path.string();
}

// Whether the request has a body: a context sent besides `remote`, which would not be read.
bool has_body(HttpRequest& request) {
  bool any = false;
  request.read_body([&any](const char*, std::size_t size) {
    any = size > 0;
    return !any;
  });
  return any;
}

struct PendingBuild {
  cache::Store store;
  TempDir scratch;
  BuildParams params;
  engine::RegistryAccess registry;
  std::optional<engine::BuildInput> input;

  PendingBuild(const fs::path& root, BuildParams p, registry::RegistryOptions options)
      : store(root, cache::Store::Recovery::Skip),
        scratch(store.scratch_dir()),
        params(std::move(p)),
        registry{std::move(options), registry::CredentialStore({})} {}
};

// Cancels `job` once the client hangs up, looking every kClientCheckInterval, until stopped.
class HangUpWatch {
 public:
  HangUpWatch(ResponseStream& out, engine::BuildJob& job)
      : thread_([this, &out, &job] {
          std::unique_lock lock(mutex_);
          while (!stop_.wait_for(lock, kClientCheckInterval, [this] { return stopping_; })) {
            if (out.client_connected()) continue;
            spdlog::info("build: the client hung up; cancelling the build");
            job.cancel();
            return;
          }
        }) {}
  ~HangUpWatch() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    stop_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mutex_;
  std::condition_variable stop_;
  bool stopping_ = false;
  std::thread thread_;
};

// The daemon's --cache-from after the request's cachefrom (which the client chose for this
// build), and its --cache-to.
void add_daemon_cache(BuildParams& params, const DaemonOptions& options) {
  engine::BuildRequest& r = params.request;
  const std::string first_tag = r.tags.empty() ? "" : r.tags[0];
  for (auto& spec : daemon_cache_for_build(options.cache_from, first_tag, params.dockerfile))
    r.cache_from.push_back(std::move(spec));
  r.cache_to = daemon_cache_for_build(options.cache_to, first_tag, params.dockerfile);
}

// The context the `remote` parameter names, fetched as dockerd fetches it: a Git repository's
// commit checked out into the store (cached by commit, as `gantry build URL` does), or an http(s)
// URL's tarball unpacked, or its Dockerfile alone. Git reaches http(s) remotes with the
// credentials the request carries for the host (X-Registry-Config), as registries.
engine::BuildInput remote_build_input(PendingBuild& p, HttpRequest& request,
                                      const std::string& dockerfile) {
  const std::string& remote = p.params.remote;
  if (has_body(request))
    throw UsageError(
        "build parameter `remote`: the request has a body too (a context); send "
        "one or the other");
  std::istringstream no_stdin;
  try {
    if (auto git = parse_git_url(remote, GitUrlUse::Context)) {
      // BuildKit keeps a Git context's .git when this build arg is set (or the URL's query says
      // so).
      const auto& args = p.params.request.build_args;
      const auto arg = args.find("BUILDKIT_CONTEXT_KEEP_GIT_DIR");
      const bool keep = git->keep_git_dir.value_or(arg != args.end() &&
                                                   (arg->second == "1" || arg->second == "true"));
      return engine::resolve_git_build_input(p.store, *git, dockerfile, no_stdin,
                                             engine::git_access(p.registry, ""), keep);
    }
    // A URL that is a Dockerfile takes no -f; the default name is no choice of one.
    return engine::resolve_build_input(remote, dockerfile == "Dockerfile" ? "" : dockerfile,
                                       no_stdin);
  } catch (const Error& e) {
    // An unreachable URL, an unknown ref, a missing Dockerfile: the client's to fix.
    throw UsageError("build parameter `remote`: " + std::string(e.what()));
  }
}

engine::BuildRequest build_request(PendingBuild& p) {
  engine::BuildRequest r = std::move(p.params.request);
  r.input = std::move(*p.input);
  // Explanations of cache misses compare with the last build of the same Dockerfile and name.
  r.input.identity = "docker-api|" + p.params.dockerfile + "|" + (r.tags.empty() ? "" : r.tags[0]);
  return r;
}

void run_build(PendingBuild& p, RunningBuilds& builds, ImageEvents& events, std::int64_t gc_cap,
               ResponseStream& out) {
  ClassicBuildOutput output(out, p.params.quiet);
  try {
    engine::BuildJob job(build_request(p), p.store, p.registry, output);
    RunningBuilds::Entry running(builds, [&job] { job.cancel(); });
    {
      // Also while lower() pulls the base images: a cancel() then stops solve() at its start.
      HangUpWatch watch(out, job);
      job.lower();
      executor::Executor executor(p.store.root() / "executor");
      job.solve(executor, output);
    }
    const auto image = job.finish();
    cache::collect_if_over(p.store, gc_cap);
    output.built(image, job.request().tags);
    // Each name the build gave is a tag event, as dockerd's classic builder tags.
    const auto labels =
        config_labels(exporter::read_image(p.store.content(), image.manifest).config_json);
    for (const auto& tag : job.request().tags)
      events.publish("tag", image.config.str(), ImageRef::parse(tag).familiar(), labels);
    spdlog::info("build: {} built", image.config.str());
  } catch (const std::exception& e) {
    spdlog::info("build: failed: {}", e.what());
    output.failed(e.what());
  }
}

}  // namespace

HttpResponse build(const DaemonOptions& options, RunningBuilds& builds, ImageEvents& events,
                   HttpRequest& request) {
  auto pending = std::make_shared<PendingBuild>(options.root, parse_build_params(request.query),
                                                options.registry);
  add_daemon_cache(pending->params, options);
  // The client's credentials, and the daemon's for its own cache registries.
  auto config = request.header("x-registry-config")
                    ? registry_config_file(*request.header("x-registry-config"))
                    : nlohmann::json{{"auths", nlohmann::json::object()}};
  add_cache_credentials(config, options.cache_from, options.cache_credentials);
  add_cache_credentials(config, options.cache_to, options.cache_credentials);
  const fs::path credentials = pending->scratch.path() / "registry-config.json";
  write_file_atomic(credentials, config.dump(), 0600);
  pending->registry.credentials = registry::CredentialStore({credentials});
  const std::string dockerfile = dockerfile_in_context(pending->params.dockerfile);
  if (!pending->params.remote.empty()) {
    pending->input.emplace(remote_build_input(*pending, request, dockerfile));
  } else {
    const fs::path tarball = pending->scratch.path() / "context.tar";
    spool_body(request, tarball, "build context", kMaxContextBytes,
               "the context, as a tar archive");
    std::istringstream no_stdin;
    try {
      pending->input.emplace(engine::resolve_build_input(tarball, dockerfile, no_stdin));
    } catch (const Error& e) {
      // A context that is no archive, or lacks its Dockerfile, is the client's to fix.
      throw UsageError(std::string("build context (the request body): ") + e.what());
    }
    fs::remove(tarball);  // unpacked now
  }
  return {.stream = [pending, &builds, &events, gc_cap = options.gc_cap](ResponseStream& out) {
    run_build(*pending, builds, events, gc_cap, out);
  }};
}

}  // namespace gantry::daemon

// `gantry bake`: builds the targets of a bake file (cli/bake_file.h) on one state root with
// one shared build cache.
//
// Targets are built in waves: a target's wave comes after the waves of everything it
// depends_on (whose images are named before it is lowered, so it can say FROM them), and the
// targets of one wave build concurrently, each on a thread with its own BuildJob and its own
// Store connection on the same root, sharing the executor and the progress display. The solver
// runs one graph per solve and gives each solve one build context, so targets are not merged
// into one graph; a step two targets of the same wave share still runs once (the solver's
// per-key step lock makes one wait for the other's result), and a step a target shares with
// one it depends on is taken from the cache.
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>

#include "base/error.h"
#include "base/file_util.h"
#include "base/image_ref.h"
#include "cache/garbage_collector.h"
#include "cache/store.h"
#include "cli/bake_file.h"
#include "cli/cache_spec.h"
#include "cli/build_job.h"
#include "cli/command.h"
#include "cli/entitlement_flags.h"
#include "cli/progress/progress_mode.h"
#include "cli/registry_flags.h"
#include "cli/signal_canceller.h"
#include "executor/executor.h"

namespace gantry::cli {

namespace fs = std::filesystem;

namespace {

struct BakeFlags {
  std::string file;
  std::vector<std::string> sets;
  bool print = false;
  std::vector<std::string> targets;
  std::string progress = "auto";
  int max_parallelism = 0;
  bool pull = false;
  std::vector<std::string> allow;
  RegistryFlags registry;
};

BuildRequest build_request(const BakeTarget& t, const fs::path& bake_dir, const BakeFlags& f) {
  const fs::path context = bake_dir / t.context;
  BuildRequest r{.input = resolve_build_input(context.string(), (context / t.dockerfile).string(), std::cin)};
  r.target = t.target;
  r.build_args = t.args;
  r.labels = t.labels;
  r.no_cache = t.no_cache;
  r.network = t.network;
  r.entitlements = entitlements_of(t);
  for (const auto& tag : t.tags) r.tags.push_back(ImageRef::parse(tag).familiar());
  for (const auto& o : t.outputs) {
    // Destinations are relative to the bake file, and their directories are made, as buildx does.
    OutputSpec spec = parse_output_spec(o);
    if (!spec.dest.empty() && spec.dest != "-") {
      spec.dest = (bake_dir / spec.dest).lexically_normal().string();
      fs::create_directories(fs::path(spec.dest).parent_path());
    }
    r.outputs.push_back(std::move(spec));
  }
  // Cache directories are relative to the bake file too.
  auto in_bake_dir = [&](CacheSpec spec) {
    if (spec.type == "local") spec.location = (bake_dir / spec.location).lexically_normal().string();
    return spec;
  };
  for (const auto& c : t.cache_from) r.cache_from.push_back(in_bake_dir(parse_cache_from(c)));
  for (const auto& c : t.cache_to) r.cache_to.push_back(in_bake_dir(parse_cache_to(c)));
  r.pull = f.pull;
  r.explain_cache = f.progress == "plain";
  r.max_parallelism = f.max_parallelism;
  return r;
}

// Each target's wave: 0 for targets without dependencies, else one more than the latest of
// its dependencies. `targets` lists dependencies first.
std::vector<std::vector<const BakeTarget*>> waves(const std::vector<BakeTarget>& targets) {
  std::map<std::string, std::size_t> wave_of;
  std::vector<std::vector<const BakeTarget*>> out;
  for (const auto& t : targets) {
    std::size_t wave = 0;
    for (const auto& dep : t.depends_on) wave = std::max(wave, wave_of.at(dep) + 1);
    wave_of[t.name] = wave;
    if (out.size() <= wave) out.resize(wave + 1);
    out[wave].push_back(&t);
  }
  return out;
}

// One target being built: its own Store connection, then its job.
struct TargetBuild {
  const BakeTarget* target;
  std::unique_ptr<cache::Store> store;
  std::unique_ptr<BuildJob> job;
  std::optional<exporter::ImageRecord> image;
  std::exception_ptr error;
};

// Builds one wave's targets at once; the first failure cancels the others and is rethrown
// (as "target NAME: ...") once all have stopped.
void build_wave(std::vector<TargetBuild>& builds, const BakeFile& file, const GlobalOptions& global,
                const BakeFlags& f, executor::Executor& executor, ProgressDisplay& progress) {
  const auto registry = f.registry.options(global.config);
  std::mutex mutex;  // guards the jobs' creation and `cancelled` against cancel_all
  bool cancelled = false;
  auto cancel_all = [&] {
    std::lock_guard lock(mutex);
    cancelled = true;
    for (auto& b : builds)
      if (b.job) b.job->cancel();
  };
  SignalCanceller on_ctrl_c(*global.signals, cancel_all);
  std::vector<std::thread> threads;
  for (auto& b : builds)
    threads.emplace_back([&, &b = b] {
      try {
        auto store = std::make_unique<cache::Store>(global.state_root());
        auto job = std::make_unique<BuildJob>(build_request(*b.target, file.path.parent_path(), f), *store, registry);
        {
          std::lock_guard lock(mutex);
          b.store = std::move(store);
          b.job = std::move(job);
          if (cancelled) b.job->cancel();
        }
        b.job->lower();
        b.job->solve(executor, progress);
        b.image = b.job->finish();
      } catch (...) {
        b.error = std::current_exception();
        cancel_all();  // again when another target failed first: cancelling twice is harmless
      }
    });
  for (auto& t : threads) t.join();
  // The first real failure; targets stopped because of it only report Cancelled.
  for (bool skip_cancelled : {true, false})
    for (auto& b : builds) {
      if (!b.error) continue;
      try {
        std::rethrow_exception(b.error);
      } catch (const solver::Cancelled&) {
        if (!skip_cancelled) throw;
      } catch (const UsageError& e) {
        throw UsageError("target " + b.target->name + ": " + e.what());
      } catch (const std::exception& e) {
        throw Error("target " + b.target->name + ": " + e.what());
      }
    }
}

int run_bake(const GlobalOptions& global, const BakeFlags& f) {
  const fs::path path = f.file.empty() ? find_bake_file(fs::current_path()) : fs::path(f.file);
  if (!fs::exists(path)) throw UsageError("bake file `" + path.string() + "`: no such file");
  BakeFile file = parse_bake_file(read_file(path), path);
  for (const auto& s : f.sets) apply_override(file, s);
  const auto targets = resolve_targets(file, f.targets);
  if (f.print) {
    std::cout << to_json(targets).dump(2) << "\n";
    return 0;
  }
  check_granted(file, targets, parse_allow(f.allow));

  auto progress = make_progress_display(parse_progress_mode(f.progress));
  struct Built {
    const BakeTarget* target;
    std::vector<std::string> tags;  // as the image was named
    exporter::ImageRecord image;
  };
  std::vector<Built> built;
  {
    const fs::path root = global.state_root();
    cache::Store store(root);  // creates the root before the threads open it
    executor::Executor executor(store.root() / "executor");
    for (const auto& wave : waves(targets)) {
      std::vector<TargetBuild> builds;
      for (const auto* t : wave) builds.push_back({.target = t});
      build_wave(builds, file, global, f, executor, *progress);
      for (auto& b : builds) built.push_back({b.target, b.job->request().tags, *b.image});
    }
  }
  // Only now: the GC needs no other Store of this process open.
  cache::Store store(global.state_root());
  cache::collect_if_over(store, global.gc_cap());
  for (const auto& b : built) {
    progress->note("target " + b.target->name + ":");
    note_built_image(*progress, b.tags, b.image);
  }
  progress->finish();
  return 0;
}

}  // namespace

void add_bake_command(CLI::App& app, GlobalOptions& global, Action& action) {
  auto f = std::make_shared<BakeFlags>();
  f->progress = default_progress(global.config);
  f->max_parallelism = default_max_parallelism(global.config);
  auto* cmd = app.add_subcommand(
      "bake",
      "Build the targets of a bake file (gantry.yaml) together, like docker buildx bake.\n"
      "The file (YAML; see docs/bake.md):\n"
      "  group:\n"
      "    default: [app, tools]      # built when no TARGET is named; groups may name groups\n"
      "  target:\n"
      "    app:\n"
      "      context: .               # relative to the bake file (default .)\n"
      "      dockerfile: Dockerfile   # relative to the context\n"
      "      target: runtime          # the Dockerfile stage\n"
      "      args: {VERSION: \"1.2\"}\n"
      "      tags: [app:1]\n"
      "      labels: {k: v}\n"
      "      outputs: [\"type=oci,dest=out/app.tar\"]   # as build -o\n"
      "      no-cache: false\n"
      "      network: default         # default, host or none (host: --allow network.host)\n"
      "      entitlements: [security.insecure]   # what RUN steps may ask for (--allow them)\n"
      "      depends_on: [base]       # built and named before this target");
  cmd->add_option("TARGET", f->targets, "Targets or groups to build (default: the group `default`)");
  cmd->add_option("-f,--file", f->file, "Bake file (default ./gantry.yaml, then ./gantry.yml)");
  cmd->add_option("--set", f->sets, "Override a target key: TARGET.KEY=VALUE (TARGET may be *; args.NAME, labels.NAME)")
      ->allow_extra_args(false);
  cmd->add_flag("--print", f->print, "Print the resolved targets as JSON and build nothing");
  cmd->add_option("--progress", f->progress, "Progress output: auto, plain, tty, json, quiet")
      ->check(CLI::IsMember({"auto", "plain", "tty", "json", "quiet"}));
  cmd->add_option("--max-parallelism", f->max_parallelism, "Run at most this many steps at once per target")
      ->check(CLI::Range(1, 4096));
  cmd->add_flag("--pull", f->pull, "Always pull FROM images that name a registry");
  add_allow_flag(*cmd, f->allow);
  add_registry_flags(*cmd, f->registry);
  cmd->callback([&global, &action, f] { action = [&global, f] { return run_bake(global, *f); }; });
}

}  // namespace gantry::cli

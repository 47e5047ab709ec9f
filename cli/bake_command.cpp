// `gantry bake`: builds the targets of a bake file (engine/bake_file.h) on one state root with
// one shared build cache (engine/bake_scheduler.h).
#include <cstdlib>
#include <iostream>
#include <memory>

#include "base/error.h"
#include "base/file_util.h"
#include "base/git_url.h"
#include "base/image_ref.h"
#include "base/scope_guard.h"
#include "cache/garbage_collector.h"
#include "cache/store.h"
#include "cli/build_context_flags.h"
#include "cli/build_notes.h"
#include "cli/command.h"
#include "cli/entitlement_flags.h"
#include "cli/progress/progress_mode.h"
#include "cli/registry_flags.h"
#include "cli/signal_canceller.h"
#include "cli/stderr_messages.h"
#include "engine/bake_file.h"
#include "engine/bake_scheduler.h"
#include "engine/build_job.h"
#include "engine/cache_spec.h"
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
  std::string pull;  // --pull=VALUE; a bare --pull gives "true", buildx's spelling of always
  engine::PullPolicy pull_policy = engine::PullPolicy::Missing;  // `pull` parsed, once the flags are
  std::vector<std::string> allow;
  RegistryFlags registry;
};

// A target's `contexts` as --build-context takes them, directories and OCI layouts relative to
// the bake file. buildx's `target:NAME` (another target's result) is refused by name.
std::vector<std::string> build_context_flags(const engine::BakeTarget& t,
                                             const fs::path& bake_dir) {
  constexpr std::string_view kLayout = "oci-layout://";
  std::vector<std::string> out;
  for (const auto& [name, value] : t.contexts) {
    if (value.starts_with("target:"))
      throw UsageError(name + "=" + value +
                       ": a context from another target is not supported; name its image "
                       "with docker-image://");
    std::string resolved = value;
    if (value.starts_with(kLayout))
      resolved = std::string(kLayout) + (bake_dir / value.substr(kLayout.size())).string();
    else if (value.find("://") == std::string::npos) {
      // A directory beside the bake file, unless there is none and the value reads as a Git
      // repository (git@host:repo, github.com/...), as --build-context tells them apart.
      const fs::path local = (bake_dir / value).lexically_normal();
      if (fs::is_directory(local) || !parse_git_url(value, GitUrlUse::Context))
        resolved = local.string();
    }
    out.push_back(name + "=" + resolved);
  }
  return out;
}

engine::BuildRequest build_request(const engine::BakeTarget& t, const fs::path& bake_dir, const BakeFlags& f) {
  const fs::path context = bake_dir / t.context;
  engine::BuildRequest r{.input = engine::resolve_build_input(context.string(), (context / t.dockerfile).string(), std::cin)};
  r.named_contexts = parse_build_contexts(build_context_flags(t, bake_dir));
  r.target = t.target;
  r.build_args = t.args;
  r.labels = t.labels;
  r.no_cache = t.no_cache;
  r.network = t.network;
  if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH")) r.source_date_epoch = epoch;
  r.entitlements = engine::entitlements_of(t);
  for (const auto& tag : t.tags) r.tags.push_back(ImageRef::parse(tag).familiar());
  for (const auto& o : t.outputs) {
    // Destinations are relative to the bake file, and their directories are made, as buildx does.
    engine::OutputSpec spec = engine::parse_output_spec(o);
    if (!spec.dest.empty() && spec.dest != "-") {
      spec.dest = (bake_dir / spec.dest).lexically_normal().string();
      fs::create_directories(fs::path(spec.dest).parent_path());
    }
    r.outputs.push_back(std::move(spec));
  }
  // Cache directories are relative to the bake file too.
  auto in_bake_dir = [&](engine::CacheSpec spec) {
    if (spec.type == "local") spec.location = (bake_dir / spec.location).lexically_normal().string();
    return spec;
  };
  for (const auto& c : t.cache_from) r.cache_from.push_back(in_bake_dir(engine::parse_cache_from(c)));
  for (const auto& c : t.cache_to) r.cache_to.push_back(in_bake_dir(engine::parse_cache_to(c)));
  r.pull = f.pull_policy;
  r.explain_cache = f.progress == "plain";
  r.max_parallelism = f.max_parallelism;
  return r;
}

int run_bake(const GlobalOptions& global, const BakeFlags& f) {
  const fs::path path = f.file.empty() ? engine::find_bake_file(fs::current_path()) : fs::path(f.file);
  if (!fs::exists(path)) throw UsageError("bake file `" + path.string() + "`: no such file");
  engine::BakeFile file = engine::parse_bake_file(read_file(path), path);
  for (const auto& s : f.sets) engine::apply_override(file, s);
  const auto targets = engine::resolve_targets(file, f.targets);
  if (f.print) {
    std::cout << engine::to_json(targets).dump(2) << "\n";
    return 0;
  }
  engine::check_granted(file, targets, parse_allow(f.allow));
  // A bad context is a usage error before anything is built, as for build.
  for (const auto& t : targets) {
    try {
      parse_build_contexts(build_context_flags(t, file.path.parent_path()));
    } catch (const UsageError& e) {
      throw UsageError(path.string() + ": target." + t.name + ".contexts: " + e.what());
    }
  }

  auto progress = make_progress_display(parse_progress_mode(f.progress));
  std::vector<engine::BakeTargetBuild> builds;
  for (const auto& t : targets)
    builds.push_back({t.name, t.depends_on, [&t, dir = file.path.parent_path(), &f] { return build_request(t, dir, f); }});
  StderrMessages messages;
  // As buildx bake: the targets' broken build checks are listed once the display is done.
  ScopeGuard list_checks([&]() noexcept {
    try {
      progress->finish();
      if (parse_progress_mode(f.progress) != ProgressMode::Quiet) messages.print_build_checks();
    } catch (...) {  // stderr gone: nothing more to say
    }
  });
  std::vector<engine::BakedImage> baked;
  {
    const fs::path root = global.state_root();
    cache::Store store(root);  // creates the root before the threads open it
    executor::Executor executor(store.root() / "executor");
    engine::BakeScheduler scheduler(root, f.registry.access(global.config), executor, *progress, messages);
    SignalCanceller on_ctrl_c(*global.signals, [&scheduler] { scheduler.cancel(); });
    baked = scheduler.run(builds);
  }
  // Only now: the GC needs no other Store of this process open.
  cache::Store store(global.state_root());
  cache::collect_if_over(store, global.gc_cap());
  for (const auto& b : baked) {
    progress->begin_target(b.target);
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
  cmd->add_option("--set", f->sets, "Override a target key: TARGET.KEY=VALUE (TARGET may be *; args.NAME, labels.NAME, contexts.NAME)")
      ->allow_extra_args(false);
  cmd->add_flag("--print", f->print, "Print the resolved targets as JSON and build nothing");
  cmd->add_option("--progress", f->progress, "Progress output: auto, plain, tty, json, rawjson (BuildKit's), quiet")
      ->check(CLI::IsMember(progress_mode_names()));
  cmd->add_option("--max-parallelism", f->max_parallelism, "Run at most this many steps at once per target")
      ->check(CLI::Range(1, 4096));
  cmd->add_flag("--pull", f->pull,
                "When to pull the targets' images: --pull (always), --pull=always|missing|never (default missing)");
  add_allow_flag(*cmd, f->allow);
  add_registry_flags(*cmd, f->registry);
  cmd->callback([&global, &action, f] {
    if (!f->pull.empty()) f->pull_policy = engine::parse_build_pull_policy(f->pull, "--pull");
    action = [&global, f] { return run_bake(global, *f); };
  });
}

}  // namespace gantry::cli

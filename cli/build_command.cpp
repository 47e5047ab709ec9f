// `gantry build`: docker build's flags, one solve, then the outputs.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <memory>

#include "base/error.h"
#include "base/file_util.h"
#include "base/image_ref.h"
#include "cache/garbage_collector.h"
#include "cache/store.h"
#include "cli/build_input.h"
#include "cli/build_metadata.h"
#include "cli/build_platform.h"
#include "cli/command.h"
#include "cli/output_spec.h"
#include "cli/quantities.h"
#include "cli/progress/progress_mode.h"
#include "cli/signal_canceller.h"
#include "cli/ssh_sockets.h"
#include "cli/pulled_images.h"
#include "cli/registry_flags.h"
#include "cli/store_images.h"
#include "executor/executor.h"
#include "exporter/archive.h"
#include "exporter/rootfs.h"
#include "frontend/dockerfile/dockerignore.h"
#include "frontend/dockerfile/frontend.h"
#include "llb/definition.h"
#include "registry/push.h"
#include "solver/solver.h"

namespace gantry::cli {

namespace fs = std::filesystem;

namespace {

struct BuildFlags {
  std::string context = ".";
  std::vector<std::string> tags;
  std::string dockerfile;
  std::vector<std::string> build_args;
  std::string target;
  bool no_cache = false;
  std::vector<std::string> no_cache_filter;
  std::vector<std::string> outputs;
  std::string progress = "auto";
  bool quiet = false;
  std::string network = "default";
  std::vector<std::string> secrets;
  std::vector<std::string> labels;
  std::string iidfile;
  std::string print;
  bool explain_cache = false;
  bool load = false;  // the local store always gets the image; accepted as buildx takes it
  std::string platform;
  std::string metadata_file;
  int max_parallelism = 0;
  std::vector<std::string> ssh;
  bool pull = false;  // pull FROM images that name a registry even when the store has them
  bool push = false;  // same as --output type=registry
  RegistryFlags registry;
};

std::map<std::string, std::string> parse_build_args(const std::vector<std::string>& args) {
  std::map<std::string, std::string> out;
  for (const auto& a : args) {
    auto eq = a.find('=');
    if (eq == 0) throw UsageError("invalid --build-arg `" + a + "`: empty name");
    if (eq != std::string::npos) {
      out[a.substr(0, eq)] = a.substr(eq + 1);
    } else if (const char* v = std::getenv(a.c_str())) {
      out[a] = v;  // --build-arg NAME takes the value from the environment, as docker does
    }
  }
  return out;
}

std::map<std::string, std::string> parse_labels(const std::vector<std::string>& labels) {
  std::map<std::string, std::string> out;
  for (const auto& l : labels) {
    auto eq = l.find('=');
    out[l.substr(0, eq)] = eq == std::string::npos ? "" : l.substr(eq + 1);
  }
  return out;
}

// --secret id=NAME[,src=FILE|,env=VAR] (type=file|env accepted too, as buildx takes them).
std::map<std::string, std::string> read_secrets(const std::vector<std::string>& specs) {
  std::map<std::string, std::string> out;
  for (const auto& spec : specs) {
    std::map<std::string, std::string> kv;
    std::size_t pos = 0;
    while (pos <= spec.size()) {
      auto comma = spec.find(',', pos);
      std::string field = spec.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
      auto eq = field.find('=');
      if (eq == std::string::npos) throw UsageError("invalid --secret `" + spec + "`: `" + field + "` is not key=value");
      kv[field.substr(0, eq)] = field.substr(eq + 1);
      if (comma == std::string::npos) break;
      pos = comma + 1;
    }
    if (!kv.count("id")) throw UsageError("invalid --secret `" + spec + "`: id= is required");
    std::string src = kv.count("src") ? kv["src"] : kv.count("source") ? kv["source"] : "";
    std::string env = kv.count("env") ? kv["env"] : "";
    if (src.empty() && env.empty()) env = kv["id"];
    if (!src.empty()) {
      out[kv["id"]] = read_file(src);
    } else if (const char* v = std::getenv(env.c_str())) {
      out[kv["id"]] = v;
    } else {
      throw UsageError("--secret `" + spec + "`: environment variable " + env + " is not set");
    }
  }
  return out;
}

std::optional<std::int64_t> source_date_epoch(const std::map<std::string, std::string>& args) {
  std::string v;
  if (auto it = args.find("SOURCE_DATE_EPOCH"); it != args.end()) v = it->second;
  else if (const char* e = std::getenv("SOURCE_DATE_EPOCH")) v = e;
  if (v.empty()) return std::nullopt;
  try {
    return std::stoll(v);
  } catch (const std::exception&) {
    throw UsageError("invalid SOURCE_DATE_EPOCH `" + v + "`: not a number of seconds");
  }
}

std::unique_ptr<ProgressDisplay> make_progress(const BuildFlags& f) {
  return make_progress_display(f.quiet ? ProgressMode::Quiet : parse_progress_mode(f.progress));
}

int run_build(const GlobalOptions& global, const BuildFlags& f) {
  check_build_platform(f.platform);
  BuildInput input = resolve_build_input(f.context, f.dockerfile, std::cin);
  const fs::path& context = input.context;

  std::vector<OutputSpec> outputs;
  for (const auto& o : f.outputs) outputs.push_back(parse_output_spec(o));
  if (f.push) outputs.push_back(parse_output_spec("type=registry"));
  std::vector<std::string> tags;
  for (const auto& t : f.tags) tags.push_back(ImageRef::parse(t).familiar());
  for (const auto& o : outputs)
    if (o.type == "registry" && tags.empty() && !o.attrs.count("name"))
      throw UsageError("--output type=registry: name the image to push with -t or name=");
  const auto registry_options = f.registry.options(global.config);

  frontend::BuildOptions opts;
  opts.dockerfile_name = input.dockerfile_name;
  opts.dockerfile = input.dockerfile;
  opts.dockerignore = input.dockerignore;
  opts.target = f.target;
  opts.build_args = parse_build_args(f.build_args);
  opts.labels = parse_labels(f.labels);
  opts.no_cache = f.no_cache;
  opts.no_cache_stages = {f.no_cache_filter.begin(), f.no_cache_filter.end()};
  opts.network = f.network == "none" ? llb::NetworkMode::None
                 : f.network == "host" ? llb::NetworkMode::Host
                                       : llb::NetworkMode::Default;

  cache::Store store(global.state_root());
  opts.resolve_image = [&store, &registry_options, &f](const std::string& ref) {
    return resolve_or_pull_image(store, ref, registry_options, f.pull);
  };
  frontend::BuildPlan plan = frontend::lower(opts);
  for (const auto& w : plan.warnings) std::cerr << "WARNING: " << w << "\n";

  llb::Definition def = llb::marshal(plan.root);
  if (f.print == "llb") {
    std::cout << llb::to_json(def).dump(2) << "\n";
    return 0;
  }
  if (f.print == "dot") {
    std::cout << llb::to_dot(def);
    return 0;
  }

  solver::SolveOptions solve_opts;
  auto ignore = std::make_shared<frontend::DockerignoreMatcher>(
      frontend::read_dockerignore(opts.dockerignore.value_or("")));
  solve_opts.local_dirs["context"] = {fs::absolute(context),
                                      [ignore](std::string_view p) { return ignore->excluded(p); }};
  solve_opts.secrets = read_secrets(f.secrets);
  solve_opts.host_network = f.network != "none";
  solve_opts.explain_cache = f.explain_cache || f.progress == "plain";
  solve_opts.build_identity = input.identity + "|" + f.target;
  solve_opts.max_parallelism = f.max_parallelism;
  solve_opts.ssh_sockets = parse_ssh_sockets(f.ssh);
  executor::Executor executor(store.root() / "executor");
  StoreImageProvider images(store);
  auto progress = make_progress(f);
  solver::Solver solver(store, executor, images, *progress, std::move(solve_opts));
  solver::Result result;
  {
    SignalCanceller on_ctrl_c([&solver] { solver.cancel(); });
    result = solver.solve(def);
  }

  const auto epoch = source_date_epoch(opts.build_args);
  const std::int64_t created = epoch ? *epoch : result.created;
  // The local store keeps layers uncompressed: storing a build is then only hashing, and each
  // export compresses its own way (as BuildKit's image exporter does).
  exporter::PackOptions local_pack{.compression = exporter::Compression::Uncompressed,
                                   .clamp_mtime = epoch};
  for (const auto& o : outputs)
    if (o.type == "image" && o.attrs.count("compression")) local_pack = o.pack_options(epoch);
  auto image = commit_image(store, result.layers, plan.image_config, created, local_pack);

  auto named = [&](const Digest& manifest) {
    exporter::TaggedManifests out;
    for (const auto& t : tags) out.emplace_back(t, manifest);
    if (out.empty()) out.emplace_back("", manifest);
    return out;
  };
  for (const auto& o : outputs) {
    if (o.type == "oci") {
      auto archived = commit_image(store, result.layers, plan.image_config, created,
                                   o.pack_options(epoch), o.force_compression());
      exporter::write_oci_archive(store.content(), named(archived.manifest), o.dest);
    } else if (o.type == "docker") {
      exporter::write_docker_archive(store.content(), named(image.manifest), o.dest);
    } else if (o.type == "local" || o.type == "tar") {
      auto dirs = std::vector<fs::path>{};
      for (auto it = result.layers.rbegin(); it != result.layers.rend(); ++it)
        dirs.push_back(store.snapshots().dir(*it));
      if (o.type == "local") exporter::write_rootfs_dir(dirs, o.dest);
      else exporter::write_rootfs_tar(dirs, o.dest);
    } else if (o.type == "registry") {
      // Pushed layers are compressed as the output asks (gzip by default), unlike the store's.
      auto pushed = commit_image(store, result.layers, plan.image_config, created,
                                 o.pack_options(epoch), o.force_compression());
      auto names = o.attrs.count("name") ? std::vector<std::string>{o.attrs.at("name")} : tags;
      for (const auto& name : names) {
        auto report = registry::push_image(store, pushed.manifest, ImageRef::parse(name), registry_options,
                                           registry::CredentialStore::from_environment());
        std::cerr << "pushed " << name << "@" << report.manifest.str() << " (" << report.blobs_uploaded
                  << " blobs uploaded, " << report.blobs_present + report.blobs_mounted << " reused)\n";
      }
    }
  }

  // Named only once every output is written: a failed export leaves no new name behind.
  for (const auto& t : tags) store.images().set(t, image.manifest);
  cache::collect_if_over(store, global.config.gc_cap ? parse_size(*global.config.gc_cap)
                                                     : cache::default_gc_cap(store.root()));
  if (!f.iidfile.empty()) write_file_atomic(f.iidfile, image.config.str());
  if (!f.metadata_file.empty()) write_build_metadata(f.metadata_file, image.manifest, image.config, tags);
  if (f.quiet) {
    std::cout << image.config.str() << "\n";
  } else {
    progress->note("writing image " + image.config.str() + " done");
    for (const auto& t : tags) progress->note("naming to " + t + " done");
  }
  progress->finish();
  return 0;
}

}  // namespace

void add_build_command(CLI::App& app, GlobalOptions& global, Action& action) {
  auto f = std::make_shared<BuildFlags>();
  f->progress = default_progress(global.config);
  f->max_parallelism = default_max_parallelism(global.config);
  auto* cmd = app.add_subcommand("build", "Build an image from a Dockerfile");
  cmd->add_option("PATH", f->context, "Build context: a directory, a tarball, or - (stdin) (default .)");
  cmd->add_option("-t,--tag", f->tags, "Name and optionally a tag (name:tag)")
      ->allow_extra_args(false);
  cmd->add_option("-f,--file", f->dockerfile, "Name of the Dockerfile, or - for stdin (default PATH/Dockerfile)");
  cmd->add_option("--build-arg", f->build_args, "Set a build-time variable (NAME=VALUE or NAME)")
      ->allow_extra_args(false);
  cmd->add_option("--target", f->target, "The stage to build");
  cmd->add_flag("--no-cache", f->no_cache, "Do not use the build cache");
  cmd->add_option("--no-cache-filter", f->no_cache_filter, "Do not use the cache for these stages")
      ->allow_extra_args(false);
  cmd->add_option("-o,--output", f->outputs, "Output: type=image|oci|docker|tar|local|registry[,dest=PATH][,...]")
      ->allow_extra_args(false);
  cmd->add_option("--progress", f->progress, "Progress output: auto, plain, tty, json, quiet")
      ->check(CLI::IsMember({"auto", "plain", "tty", "json", "quiet"}));
  cmd->add_flag("-q,--quiet", f->quiet, "Print only the image ID");
  cmd->add_option("--network", f->network, "Network for RUN: default, host, none")
      ->check(CLI::IsMember({"default", "host", "none"}));
  cmd->add_option("--secret", f->secrets, "Secret for RUN --mount=type=secret: id=ID[,src=FILE|,env=VAR]")
      ->allow_extra_args(false);
  cmd->add_option("--label", f->labels, "Set a label on the image (KEY=VALUE)")
      ->allow_extra_args(false);
  cmd->add_option("--iidfile", f->iidfile, "Write the image ID to this file");
  cmd->add_option("--print", f->print, "Print the build graph instead of building: llb or dot")
      ->check(CLI::IsMember({"llb", "dot"}));
  cmd->add_flag("--load", f->load, "Keep the image in the local store (always done; for buildx scripts)");
  cmd->add_option("--platform", f->platform, "Target platform (linux/amd64 only)");
  cmd->add_option("--metadata-file", f->metadata_file, "Write the image digests and names to this JSON file");
  cmd->add_option("--max-parallelism", f->max_parallelism, "Run at most this many steps at once")
      ->check(CLI::Range(1, 4096));
  cmd->add_option("--ssh", f->ssh, "SSH agent for RUN --mount=type=ssh: default|ID[=SOCKET]")
      ->allow_extra_args(false);
  cmd->add_flag("--explain-cache", f->explain_cache, "Say for every step that was not cached what changed");
  cmd->add_flag("--pull", f->pull, "Always pull FROM images that name a registry");
  cmd->add_flag("--push", f->push, "Push the image to the registry of each -t name (--output type=registry)");
  add_registry_flags(*cmd, f->registry);
  cmd->callback([&global, &action, f] { action = [&global, f] { return run_build(global, *f); }; });
}

}  // namespace gantry::cli

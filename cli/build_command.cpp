// `gantry build`: docker build's flags, one solve, then the outputs.
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
#include "cli/build_call.h"
#include "cli/build_context_flags.h"
#include "cli/build_notes.h"
#include "cli/build_platform.h"
#include "cli/command.h"
#include "cli/entitlement_flags.h"
#include "cli/legacy_build_flags.h"
#include "cli/limit_flags.h"
#include "cli/output_flags.h"
#include "cli/progress/progress_mode.h"
#include "cli/registry_flags.h"
#include "cli/sandbox_flags.h"
#include "cli/security_flags.h"
#include "cli/signal_canceller.h"
#include "cli/ssh_sockets.h"
#include "cli/stderr_messages.h"
#include "engine/build_input.h"
#include "engine/build_job.h"
#include "engine/cache_spec.h"
#include "engine/git_build_input.h"
#include "engine/output_spec.h"
#include "executor/executor.h"
#include "llb/definition.h"

namespace gantry::cli {

namespace fs = std::filesystem;

namespace {

struct BuildFlags {
  std::string context = ".";
  std::vector<std::string> tags;
  std::string dockerfile;
  std::vector<std::string> build_contexts;
  std::vector<std::string> build_args;
  std::string target;
  bool no_cache = false;
  std::vector<std::string> no_cache_filter;
  OutputFlags output;  // -o, --annotation
  std::string progress = "auto";
  bool quiet = false;
  std::string network = "default";
  std::vector<std::string> allow;
  LimitFlags limits;
  SandboxFlags sandbox;
  SecurityFlags security;
  std::vector<std::string> secrets;
  std::vector<std::string> labels;
  std::string iidfile;
  std::string print;
  std::string call;     // --call; --check is --call=check
  bool check = false;
  bool explain_cache = false;
  bool load = false;  // the local store always gets the image; accepted as buildx takes it
  std::string platform;
  std::string metadata_file;
  int max_parallelism = 0;
  std::vector<std::string> ssh;
  std::string pull;  // --pull=VALUE; a bare --pull gives "true", buildx's spelling of always
  engine::PullPolicy pull_policy = engine::PullPolicy::Missing;  // `pull` parsed, once the flags are
  bool push = false;  // same as --output type=registry
  std::vector<std::string> cache_from;
  std::vector<std::string> cache_to;
  RegistryFlags registry;
  LegacyBuildFlags legacy;
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
      std::error_code ec;
      const auto status = fs::status(src, ec);
      if (!fs::exists(status)) throw UsageError("--secret `" + spec + "`: `" + src + "`: no such file");
      if (fs::is_directory(status))
        throw UsageError("--secret `" + spec + "`: `" + src + "` is a directory, not a file");
      try {
        out[kv["id"]] = read_file(src);
      } catch (const Error& e) {
        throw UsageError("--secret `" + spec + "`: " + e.what());
      }
    } else if (const char* v = std::getenv(env.c_str())) {
      out[kv["id"]] = v;
    } else {
      throw UsageError("--secret `" + spec + "`: environment variable " + env + " is not set");
    }
  }
  return out;
}

std::unique_ptr<ProgressDisplay> make_progress(const BuildFlags& f, bool stdout_taken) {
  return make_progress_display(f.quiet ? ProgressMode::Quiet : parse_progress_mode(f.progress), stdout_taken);
}

// The agent Git sources use for ssh remotes: --ssh default's socket, else $SSH_AUTH_SOCK.
fs::path git_ssh_agent(const SshForwards& ssh) {
  if (auto it = ssh.sockets.find("default"); it != ssh.sockets.end()) return it->second;
  const char* agent = std::getenv("SSH_AUTH_SOCK");
  return agent ? agent : "";
}

// PATH as docker reads it: a directory, a tarball or `-`, else a Git repository's URL.
engine::BuildInput build_input(const BuildFlags& f, const std::map<std::string, std::string>& build_args,
                               cache::Store& store, const engine::RegistryAccess& registry) {
  std::error_code ec;
  if (f.context != "-" && !fs::exists(f.context, ec))
    if (auto git = parse_git_url(f.context, GitUrlUse::Context)) {
      // BuildKit keeps a Git context's .git when this build arg is set (or the URL's query says so).
      auto arg = build_args.find("BUILDKIT_CONTEXT_KEEP_GIT_DIR");
      const bool keep = git->keep_git_dir.value_or(arg != build_args.end() && (arg->second == "1" || arg->second == "true"));
      const auto access = engine::git_access(registry, git_ssh_agent(parse_ssh_forwards(f.ssh)));
      return engine::resolve_git_build_input(store, *git, f.dockerfile, std::cin, access, keep);
    }
  return engine::resolve_build_input(f.context, f.dockerfile, std::cin);
}

engine::BuildRequest build_request(const BuildFlags& f, cache::Store& store, const engine::RegistryAccess& registry) {
  const auto build_args = parse_build_args(f.build_args);
  engine::BuildRequest r{.input = build_input(f, build_args, store, registry)};
  r.named_contexts = parse_build_contexts(f.build_contexts);
  r.target = f.target;
  r.platforms = parse_build_platforms(f.platform);
  r.build_args = build_args;
  if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH")) r.source_date_epoch = epoch;
  r.labels = parse_labels(f.labels);
  r.no_cache = f.no_cache;
  r.no_cache_stages = {f.no_cache_filter.begin(), f.no_cache_filter.end()};
  r.network = f.network;
  r.entitlements = parse_allow(f.allow);
  r.limits = parse_limits(f.limits);
  r.extra_hosts = parse_extra_hosts(f.sandbox.add_hosts);
  r.shm_bytes = parse_shm_size(f.sandbox.shm_size);
  r.ulimits = parse_ulimits(f.sandbox.ulimits);
  r.security = parse_security_options(f.security);
  for (const auto& t : f.tags) r.tags.push_back(ImageRef::parse(t).familiar());
  add_outputs_to_request(f.output, f.quiet, r);
  if (f.push) r.outputs.push_back(engine::parse_output_spec("type=registry"));
  r.secrets = read_secrets(f.secrets);
  SshForwards ssh = parse_ssh_forwards(f.ssh);
  r.ssh_agent = git_ssh_agent(ssh);
  r.ssh_sockets = std::move(ssh.sockets);
  r.ssh_keys = std::move(ssh.keys);
  r.pull = f.pull_policy;
  r.explain_cache = f.explain_cache || f.progress == "plain";
  r.max_parallelism = f.max_parallelism;
  r.iidfile = f.iidfile;
  r.metadata_file = f.metadata_file;
  for (const auto& c : f.cache_from) r.cache_from.push_back(engine::parse_cache_from(c));
  for (const auto& c : f.cache_to) r.cache_to.push_back(engine::parse_cache_to(c));
  return r;
}

// --call=check|outline|targets builds nothing: a flag about what a build makes would do nothing.
void check_nothing_to_make(const BuildFlags& f, const std::string& call) {
  const std::vector<std::pair<bool, std::string>> flags = {
      {!f.tags.empty(), "-t/--tag"},          {!f.output.outputs.empty(), "-o/--output"},
      {f.push, "--push"},                     {!f.print.empty(), "--print"},
      {!f.iidfile.empty(), "--iidfile"},      {!f.metadata_file.empty(), "--metadata-file"},
      {!f.cache_to.empty(), "--cache-to"},    {!f.output.annotations.empty(), "--annotation"}};
  for (const auto& [given, flag] : flags)
    if (given) throw UsageError(flag + ": --call=" + call + " builds nothing for it to apply to");
}

// --call=check|outline|targets: the frontend's answer instead of a build.
int run_call(const BuildCall& call, engine::BuildJob& job) {
  const CallSource source{job.request().input.dockerfile_name, job.request().input.dockerfile};
  switch (call.method) {
    case CallMethod::Check:
      return print_check(std::cout, call, job.check(), source);
    case CallMethod::Outline:
      print_outline(std::cout, call, job.outline(), source);
      return 0;
    case CallMethod::Targets:
      print_targets(std::cout, call, frontend::list_targets(source.text, source.file_name), source);
      return 0;
    case CallMethod::Build:
      break;
  }
  throw Error("--call: no method to run");
}

int run_build(const GlobalOptions& global, const BuildFlags& f) {
  check_legacy_build_flags(f.legacy);
  if (f.check && !f.call.empty() && f.call != "check")
    throw UsageError("--check is --call=check: it cannot be given with --call=" + f.call);
  const BuildCall call = parse_build_call(f.check ? "check" : f.call);
  if (call.method != CallMethod::Build) check_nothing_to_make(f, f.check ? "check" : f.call);
  cache::Store store(global.state_root());
  StderrMessages messages;
  const auto registry = f.registry.access(global.config);
  engine::BuildJob job(build_request(f, store, registry), store, registry, messages);
  if (call.method != CallMethod::Build) return run_call(call, job);
  // As buildx, the build checks are listed once the build is over, whether it worked or not.
  ScopeGuard list_checks([&]() noexcept {
    try {
      if (!f.quiet && parse_progress_mode(f.progress) != ProgressMode::Quiet) messages.print_build_checks();
    } catch (...) {  // stderr gone: nothing more to say
    }
  });
  executor::Executor executor(store.root() / "executor");
  if (f.print.empty()) check_cpuset_available(executor, f.limits, job.request().limits);
  const llb::Definition& def = job.lower();  // pulls the base images
  if (f.print == "llb") {
    std::cout << llb::to_json(def).dump(2) << "\n";
    return 0;
  }
  if (f.print == "dot") {
    std::cout << llb::to_dot(def);
    return 0;
  }

  warn_unenforced(executor, f.limits, job.request().limits);
  auto progress = make_progress(f, writes_to_stdout(job.request()));
  {
    SignalCanceller on_ctrl_c(*global.signals, [&job] { job.cancel(); });
    job.solve(executor, *progress);
  }
  auto image = job.finish();
  cache::collect_if_over(store, global.gc_cap());
  if (f.quiet) std::cout << image.config.str() << "\n";
  else note_built_image(*progress, job.request().tags, image);
  progress->finish();
  return 0;
}

}  // namespace

void add_build_command(CLI::App& app, GlobalOptions& global, Action& action) {
  auto f = std::make_shared<BuildFlags>();
  f->progress = default_progress(global.config);
  f->max_parallelism = default_max_parallelism(global.config);
  auto* cmd = app.add_subcommand("build", "Build an image from a Dockerfile");
  cmd->add_option("PATH", f->context, "Build context: a directory, a tarball, an http(s) URL, a Git URL, or - (stdin) (default .)");
  cmd->add_option("-t,--tag", f->tags, "Name and optionally a tag (name:tag)")
      ->allow_extra_args(false);
  cmd->add_option("-f,--file", f->dockerfile, "Name of the Dockerfile, or - for stdin (default PATH/Dockerfile)");
  cmd->add_option("--build-context", f->build_contexts,
                  "Additional build context: NAME=DIR|docker-image://REF|oci-layout://PATH[:TAG][@DIGEST]|URL")
      ->allow_extra_args(false);
  cmd->add_option("--build-arg", f->build_args, "Set a build-time variable (NAME=VALUE or NAME)")
      ->allow_extra_args(false);
  cmd->add_option("--target", f->target, "The stage to build");
  cmd->add_flag("--no-cache", f->no_cache, "Do not use the build cache");
  cmd->add_option("--no-cache-filter", f->no_cache_filter, "Do not use the cache for these stages")
      ->allow_extra_args(false);
  add_output_flags(*cmd, f->output);
  cmd->add_option("--progress", f->progress, "Progress output: auto, plain, tty, json, rawjson (BuildKit's), quiet")
      ->check(CLI::IsMember(progress_mode_names()));
  cmd->add_flag("-q,--quiet", f->quiet, "Print only the image ID");
  cmd->add_option("--network", f->network, "Network for RUN: default (private, with outbound access), host, none")
      ->check(CLI::IsMember({"default", "host", "none"}));
  add_allow_flag(*cmd, f->allow);
  add_limit_flags(*cmd, f->limits);
  add_sandbox_flags(*cmd, f->sandbox);
  add_security_flags(*cmd, f->security);
  cmd->add_option("--secret", f->secrets, "Secret for RUN --mount=type=secret: id=ID[,src=FILE|,env=VAR]")
      ->allow_extra_args(false);
  cmd->add_option("--label", f->labels, "Set a label on the image (KEY=VALUE)")
      ->allow_extra_args(false);
  cmd->add_option("--iidfile", f->iidfile, "Write the image ID to this file");
  cmd->add_option("--print", f->print, "Print the build graph instead of building: llb or dot")
      ->check(CLI::IsMember({"llb", "dot"}));
  cmd->add_option("--call", f->call,
                  "Ask the Dockerfile instead of building: build (default), check, outline, targets "
                  "[,format=json][,ignorestatus=true]");
  cmd->add_flag("--check", f->check, "Run the build checks only (--call=check)");
  cmd->add_flag("--load", f->load, "Keep the image in the local store (always done; for buildx scripts)");
  cmd->add_option("--platform", f->platform,
                  "Target platform: os/arch[/variant] (default: the host's); another than the host's runs its RUN steps under QEMU");
  cmd->add_option("--metadata-file", f->metadata_file, "Write the image digests and names to this JSON file");
  cmd->add_option("--cache-from", f->cache_from,
                  "Import build cache: type=registry,ref=REF | type=local,src=DIR | REF")
      ->allow_extra_args(false);
  cmd->add_option("--cache-to", f->cache_to,
                  "Export build cache: type=registry,ref=REF | type=local,dest=DIR [,mode=min|max]"
                  "[,compression=gzip|zstd|uncompressed]")
      ->allow_extra_args(false);
  cmd->add_option("--max-parallelism", f->max_parallelism, "Run at most this many steps at once")
      ->check(CLI::Range(1, 4096));
  cmd->add_option("--ssh", f->ssh, "SSH agent for RUN --mount=type=ssh: default|ID[=SOCKET|KEY[,KEY]]")
      ->allow_extra_args(false);
  cmd->add_flag("--explain-cache", f->explain_cache, "Say for every step that was not cached what changed");
  cmd->add_flag("--pull", f->pull,
                "When to pull the build's images: --pull (always), --pull=always|missing|never (default missing)");
  cmd->add_flag("--push", f->push, "Push the image to the registry of each -t name (--output type=registry)");
  add_registry_flags(*cmd, f->registry);
  add_legacy_build_flags(*cmd, f->legacy);
  cmd->callback([&global, &action, f] {
    if (!f->pull.empty()) f->pull_policy = engine::parse_build_pull_policy(f->pull, "--pull");
    action = [&global, f] { return run_build(global, *f); };
  });
}

}  // namespace gantry::cli

#include "engine/build_job.h"

#include <algorithm>
#include <memory>
#include <optional>

#include "base/error.h"
#include "base/file_util.h"
#include "base/quantities.h"
#include "base/scope_guard.h"
#include "cache/source_tree.h"
#include "engine/build_metadata.h"
#include "engine/cache_export.h"
#include "engine/git_build_input.h"
#include "engine/registry_images.h"
#include "engine/ssh_key_agent.h"
#include "engine/store_images.h"
#include "exporter/cache_manifest.h"
#include "frontend/dockerfile/dockerignore.h"

namespace gantry::engine {

namespace fs = std::filesystem;

namespace {

executor::Network network_of(const std::string& network) {
  return network == "none"   ? executor::Network::None
         : network == "host" ? executor::Network::Host
                             : executor::Network::Private;
}

}  // namespace

BuildJob::BuildJob(BuildRequest request, cache::Store& store, RegistryAccess registry, Messages& messages)
    : request_(std::move(request)),
      store_(store),
      blobs_at_start_(store.content().blobs_created()),
      registry_(std::move(registry)),
      messages_(messages) {
  // Whatever would fail once the build is done fails now, before it runs.
  if (!request_.annotations.empty() && request_.outputs.empty())
    request_.outputs.push_back(parse_output_spec("type=image"));
  const OutputSpec* to_stdout = nullptr;
  const Platform built = request_.platforms.empty() ? host_platform() : request_.platforms.front();
  check_annotation_platforms(request_.annotations, built);
  for (auto& o : request_.outputs) {
    add_annotations(o, request_.annotations);
    check_annotation_levels(o);
    check_annotation_platforms(o.annotations, built);
    if (o.push && request_.tags.empty() && o.names.empty())
      throw UsageError("--output type=" + o.type + ": name the image to push with -t or name=");
    if (o.to_stdout() && to_stdout)
      throw UsageError("--output type=" + o.type + ",dest=-: type=" + to_stdout->type +
                       " writes to standard output already; only one output can");
    if (o.to_stdout()) to_stdout = &o;
    check_destination(o);
    if (auto output = make_image_output(o, registry_, messages_, request_.standard_output))
      outputs_.push_back(std::move(output));
  }
  if (request_.platforms.size() > 1)
    throw UsageError("--platform: building several platforms at once (" + request_.platforms[0].str() + ", " +
                     request_.platforms[1].str() + ", ...) is not supported yet: build each on its own");
  if (!request_.iidfile.empty()) check_file_destination(request_.iidfile, "--iidfile");
  if (!request_.metadata_file.empty()) check_file_destination(request_.metadata_file, "--metadata-file");
  source_date_epoch();
}

std::optional<std::int64_t> BuildJob::source_date_epoch() const {
  const auto arg = request_.build_args.find("SOURCE_DATE_EPOCH");
  const std::string& v = arg != request_.build_args.end() ? arg->second : request_.source_date_epoch;
  if (v.empty()) return std::nullopt;
  return parse_epoch_seconds("SOURCE_DATE_EPOCH", v);
}

solver::GitAccess BuildJob::git_access_through(
    const std::map<std::string, fs::path>& ssh_sockets) const {
  const auto default_agent = ssh_sockets.find("default");
  return git_access(registry_, default_agent != ssh_sockets.end() ? default_agent->second
                                                                   : request_.ssh_agent);
}

frontend::BuildOptions BuildJob::lowering_options() {
  frontend::BuildOptions opts;
  opts.dockerfile_name = request_.input.dockerfile_name;
  opts.dockerfile = request_.input.dockerfile;
  opts.dockerignore = request_.input.dockerignore;
  opts.dockerignore_name = request_.input.dockerignore_name;
  opts.target = request_.target;
  opts.build_args = request_.build_args;
  opts.labels = request_.labels;
  opts.no_cache = request_.no_cache;
  opts.no_cache_stages = request_.no_cache_stages;
  if (!request_.platforms.empty()) opts.target_platform = request_.platforms.front();
  opts.resolve_image = [this](const std::string& ref, const Platform& platform) {
    return resolve_or_pull_image(store_, ref, registry_, request_.pull, platform, messages_);
  };
  // Git contexts are fetched while lowering, before --ssh ID=KEY agents start: they use an agent
  // socket the request names, as a Git build context does.
  named_contexts_ = std::make_unique<NamedContexts>(
      request_.named_contexts, store_, registry_, request_.pull, opts.target_platform, messages_,
      fs::temp_directory_path(), git_access_through(request_.ssh_sockets));
  opts.named_contexts = named_contexts_->names();
  opts.resolve_named_context = [this](const std::string& name) {
    return named_contexts_->resolve(name);
  };
  return opts;
}

const llb::Definition& BuildJob::lower() {
  frontend::BuildOptions opts = lowering_options();
  frontend::CheckReport checks;
  opts.checks = &checks;
  const auto tell_checks = [&] {
    for (const auto& w : checks.warnings()) messages_.build_check(w);
  };
  try {
    plan_ = frontend::lower(opts);
  } catch (const Error&) {
    tell_checks();  // those found before the failure: they may say why it failed
    throw;
  }
  tell_checks();
  for (const auto& w : plan_->warnings) messages_.warning(w);
  if (auto failure = checks.failure()) throw Error(request_.input.dockerfile_name + ": " + *failure);
  definition_ = llb::marshal(plan_->root);
  return *definition_;
}

CheckOutcome BuildJob::check() {
  frontend::BuildOptions opts = lowering_options();
  frontend::CheckReport checks;
  opts.checks = &checks;
  opts.all_stages = request_.target.empty();
  CheckOutcome outcome;
  try {
    frontend::lower(opts);
    if (auto failure = checks.failure()) outcome.error = request_.input.dockerfile_name + ": " + *failure;
  } catch (const UsageError&) {
    throw;  // the request is at fault, not the Dockerfile
  } catch (const Error& e) {
    outcome.error = e.what();
  }
  outcome.warnings = checks.warnings();
  return outcome;
}

frontend::Outline BuildJob::outline() { return frontend::lower(lowering_options()).outline; }

void BuildJob::solve(executor::Executor& executor, solver::ProgressSink& progress) {
  if (!definition_) throw Error("build: solve() before lower()");
  solver::SolveOptions opts;
  auto ignore = std::make_shared<frontend::DockerignoreMatcher>(
      frontend::read_dockerignore(request_.input.dockerignore.value_or(""), request_.input.dockerignore_name));
  cache::ExcludeRules excluded;
  if (!ignore->empty())
    excluded = {[ignore](std::string_view p) { return ignore->excluded(p); },
                [ignore](std::string_view dir) { return ignore->may_reinclude_below(dir); }};
  opts.local_dirs["context"] = {fs::absolute(request_.input.context), std::move(excluded)};
  if (named_contexts_)
    for (const auto& [name, dir] : named_contexts_->local_dirs()) opts.local_dirs[name] = dir;
  // COPY --exclude and --parents patterns match as .dockerignore lines do, as in BuildKit.
  opts.path_patterns = [](const std::vector<std::string>& patterns) {
    std::vector<std::string> cleaned;
    for (const std::string& p : patterns)
      for (std::string& line : frontend::read_dockerignore(p, "COPY pattern"))
        cleaned.push_back(std::move(line));
    auto matcher = std::make_shared<frontend::DockerignoreMatcher>(cleaned);
    return cache::ExcludeRules{[matcher](std::string_view p) { return matcher->excluded(p); },
                               [matcher](std::string_view dir) { return matcher->may_reinclude_below(dir); }};
  };
  opts.secrets = request_.secrets;
  opts.default_network = network_of(request_.network);
  opts.entitlements = request_.entitlements;
  opts.limits = request_.limits;
  opts.extra_hosts = request_.extra_hosts;
  opts.shm_bytes = request_.shm_bytes;
  opts.ulimits = request_.ulimits;
  opts.security = request_.security;
  // The build's own --network=host is the user's choice for every step, as buildx asks for
  // network.host itself then.
  if (request_.network == "host") opts.entitlements.insert(solver::Entitlement::NetworkHost);
  opts.explain_cache = request_.explain_cache;
  opts.build_identity = request_.input.identity + "|" + request_.target;
  opts.max_parallelism = request_.max_parallelism;
  opts.ssh_sockets = request_.ssh_sockets;
  // The agents holding --ssh ID=KEY keys live as long as the solve, in a scratch dir of its own.
  std::optional<TempDir> agents_dir;
  std::vector<std::unique_ptr<SshKeyAgent>> ssh_agents;
  for (const auto& [id, keys] : request_.ssh_keys) {
    if (!agents_dir) agents_dir.emplace(store_.scratch_dir());
    ssh_agents.push_back(std::make_unique<SshKeyAgent>(agents_dir->path(), keys, "--ssh " + id));
    opts.ssh_sockets[id] = ssh_agents.back()->socket();
  }
  opts.git = git_access_through(opts.ssh_sockets);
  std::optional<BuildCacheImporter> imported_cache;
  if (!request_.cache_from.empty()) {
    imported_cache.emplace(store_, request_.cache_from, registry_);
    opts.cache_importer = &*imported_cache;
  }
  // With SOURCE_DATE_EPOCH the packed bytes are not kept for reuse: nothing to pack early.
  if (const auto pack = local_pack(); !pack.clamp_mtime)
    opts.on_new_snapshot = [this, pack](const std::string& snapshot) {
      packing_started_ = true;
      packing_arena_.execute([&] {
        layer_packing_.run([this, pack, snapshot] {
          try {
            // Only files here: the database connection is the solver's, and a write from this
            // thread while it reads could fail at once instead of waiting (finish() records it).
            const fs::path dir = store_.snapshots().dir(snapshot);
            auto blob = keeps_layers_unpacked(pack) ? exporter::hash_layer(dir, pack)
                                                    : exporter::pack_layer(dir, store_.content(), pack);
            std::lock_guard lock(packed_mutex_);
            packed_.emplace_back(snapshot, std::move(blob));
          } catch (const std::exception&) {
            // finish() packs it again and reports what fails then.
          }
        });
      });
    };
  StoreImageProvider images(store_);
  solver::Solver solver(store_, executor, images, progress, std::move(opts));
  {
    std::lock_guard lock(solver_mutex_);
    if (cancelled_.load()) throw solver::Cancelled();
    solver_ = &solver;
  }
  ScopeGuard forget_solver([this]() noexcept {
    std::lock_guard lock(solver_mutex_);
    solver_ = nullptr;
  });
  result_ = solver.solve(*definition_);
  // Also the records behind a cache hit: a later build that changes a step needs those below it.
  if (!request_.cache_to.empty()) records_ = solver.records();
  if (imported_cache)
    for (const auto& warning : imported_cache->warnings()) messages_.warning(warning);
  // solve() starts by clearing its cancel flag: a cancel() that came just then is caught here.
  if (cancelled_.load()) throw solver::Cancelled();
}

BuildJob::~BuildJob() { wait_for_packing(); }

void BuildJob::wait_for_packing() {
  // A fully cached build packed nothing: no arena to start (its threads cost a few ms).
  if (packing_started_) packing_arena_.execute([this] { layer_packing_.wait(); });
}

exporter::PackOptions BuildJob::local_pack() const {
  const auto epoch = source_date_epoch();
  // The local store keeps layers uncompressed: storing a build is then only hashing, and each
  // export compresses its own way (as BuildKit's image exporter does).
  exporter::PackOptions pack{.compression = exporter::Compression::Uncompressed, .clamp_mtime = epoch};
  for (const auto& o : request_.outputs)
    if (o.type == "image" && o.sets_packing()) {
      pack = o.pack_options(epoch);
      // oci-mediatypes= or compression-level= alone is no request to compress what is kept.
      if (!o.attrs.count("compression")) pack.compression = exporter::Compression::Uncompressed;
    }
  return pack;
}

AnnotationMap BuildJob::local_annotations() const {
  AnnotationMap out;
  for (const auto& o : request_.outputs)
    if (o.type == "image")
      for (const auto& [k, v] : o.annotations.manifest) out[k] = v;
  return out;
}

std::vector<std::string> BuildJob::local_names() const {
  std::vector<std::string> names = request_.tags;
  // type=docker without a file is buildx's load into docker: here, the local store.
  for (const auto& o : request_.outputs)
    if (o.type == "image" || (o.type == "docker" && o.tar && o.dest.empty()))
      names.insert(names.end(), o.names.begin(), o.names.end());
  return names;
}

void BuildJob::cancel() {
  std::lock_guard lock(solver_mutex_);
  cancelled_.store(true);
  if (solver_) solver_->cancel();
}

exporter::ImageRecord BuildJob::finish() {
  if (!result_) throw Error("build: finish() before solve()");
  // A failed output (a full disk) takes back the blobs the build packed; the image is not named.
  ScopeGuard take_back_blobs([this]() noexcept { take_back_blobs_written_since(store_, blobs_at_start_); });
  const auto& layers = result_->layers;
  nlohmann::json config = plan_->image_config;
  for (const auto& to : request_.cache_to)
    if (to.type == "inline") config[exporter::kInlineCacheKey] = inline_build_cache(records_, *result_);
  const auto epoch = source_date_epoch();
  const std::int64_t created = epoch ? *epoch : result_->created;
  wait_for_packing();
  const auto store_pack = local_pack();
  for (const auto& [snapshot, blob] : packed_) remember_layer_blob(store_, snapshot, store_pack, blob);
  const auto image = commit_local_image(store_, layers, config, created, store_pack, local_annotations());

  const BuiltImage built{.layers = layers, .config = config, .created = created, .source_date_epoch = epoch,
                         .stored = image, .tags = request_.tags};
  for (const auto& output : outputs_) output->write(store_, built);

  for (const auto& to : request_.cache_to) {
    if (to.type == "inline") continue;  // in the image's config already
    const auto report = export_build_cache(store_, to, records_, *result_, registry_);
    messages_.info("exported cache to " + to.location + " (" + std::to_string(report.records) + " records, " +
                   std::to_string(report.layers) + " layers)");
  }

  // Named only once every output is written: a failed export leaves no new name behind.
  take_back_blobs.dismiss();
  const std::vector<std::string> names = local_names();
  for (const auto& t : names) store_.images().set(t, image.manifest);
  // Without a name the image stays, untagged (docker's dangling image), found by its id.
  if (names.empty()) store_.images().keep_untagged(image.manifest);
  if (!request_.iidfile.empty()) write_file_atomic(request_.iidfile, image.config.str());
  if (!request_.metadata_file.empty())
    write_build_metadata(request_.metadata_file, image.manifest, image.config, request_.tags);
  return image;
}

}  // namespace gantry::engine

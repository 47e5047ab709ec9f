#include "solver/solver.h"

#include <tbb/flow_graph.h>
#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

#include "base/error.h"
#include "solver/cache_explainer.h"
#include "solver/cache_keys.h"
#include "solver/copied_content.h"
#include "solver/http_source.h"
#include "solver/op_runners.h"
#include "solver/overlay_mount.h"
#include "solver/result_cache.h"
#include "solver/step_lock.h"

namespace gantry::solver {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kLocalPrefix = "local://";
constexpr std::string_view kImagePrefix = "docker-image://";

bool is_http(const llb::SourceOp& s) {
  return s.identifier.starts_with("http://") || s.identifier.starts_with("https://");
}

// "git+<remote>" with its ref, subdir, checksum and flags in attrs (llb.h).
std::optional<GitCheckoutSpec> git_checkout_spec(const llb::SourceOp& s) {
  if (!s.identifier.starts_with(llb::kGitSourcePrefix)) return std::nullopt;
  const std::string remote = s.identifier.substr(std::string_view(llb::kGitSourcePrefix).size());
  auto url = parse_git_url(remote, GitUrlUse::Add);
  if (!url || !url->ref.empty() || !url->subdir.empty())
    throw Error("source `" + s.identifier + "`: not a Git remote");
  auto attr = [&](const char* name) {
    auto it = s.attrs.find(name);
    return it == s.attrs.end() ? std::string() : it->second;
  };
  url->ref = attr("ref");
  url->subdir = attr("subdir");
  url->checksum = attr("checksum");
  return GitCheckoutSpec{.url = *url, .keep_git_dir = attr("keep-git-dir") == "true",
                         .submodules = attr("submodules") != "false"};
}

bool is_source(const llb::Node& n) { return std::holds_alternative<llb::SourceOp>(n.op); }

std::string describe(const llb::Node& n) {
  if (!n.meta.description.empty()) return n.meta.description;
  if (const auto* s = std::get_if<llb::SourceOp>(&n.op)) return "[internal] load " + s->identifier;
  return n.digest.short_hex();
}

// The vertices `n` reads, as progress events name them (scratch is none).
std::vector<std::string> input_vertices(const llb::Node& n) {
  std::vector<std::string> out;
  for (const auto& i : n.inputs)
    if (i.node) out.push_back(i.node->digest.hex());
  return out;
}

// One build's execution: the state shared by the vertices while they run.
class Run {
  // Set by the first failure or by Solver::cancel(); every vertex checks it.
  std::atomic<bool>& cancel_;

 public:
  Run(cache::Store& store, executor::Executor& executor, ImageProvider& images,
      ProgressSink& progress, const SolveOptions& options, std::atomic<int>& executed,
      std::atomic<bool>& cancel)
      : cancel_(cancel),
        store_(store), images_(images), progress_(progress), options_(options),
        executed_(executed), results_cache_(store),
        keyer_(store.db(), options, images), explainer_(store.db(), options.build_identity, keyer_),
        scratch_(store.scratch_dir()),
        ctx_{store, executor, options, progress, cancel_, scratch_.path()} {}

  Result solve(const llb::Definition& def, std::vector<CacheRecord>& records,
               std::vector<Digest>& unvisited_keys) {
    compute_keys(def);
    // Vertices are identified by digest: two equal nodes built separately are one vertex.
    for (const auto& n : def.nodes) canonical_.emplace(n->digest, n.get());
    const llb::Node* target = def.target.node.get();
    plan(target);
    for (const auto& n : def.nodes)
      if (!planned_run_.count(n->digest) && results_.count(n->digest) && !is_source(*n))
        progress_.event({.kind = ProgressEvent::Kind::Cached, .vertex = n->digest.hex(),
                         .description = describe(*n), .location = n->meta.location,
                         .inputs = input_vertices(*n)});
    execute();
    results_cache_.mark_used();
    for (const auto& n : def.nodes) explainer_.remember(*n, keys_.at(n->digest));
    explainer_.save();
    if (first_error_) std::rethrow_exception(first_error_);
    if (cancel_.load()) throw Cancelled();
    for (const auto& [digest, n] : canonical_) {
      if (is_source(*n)) continue;
      if (auto it = results_.find(digest); it != results_.end())
        records.push_back({keys_.at(digest).key, it->second});
      else
        unvisited_keys.push_back(keys_.at(digest).key);
    }
    return results_.at(target->digest);
  }

 private:
  void compute_keys(const llb::Definition& def) {
    for (const auto& n : def.nodes) {  // inputs come first
      if (const auto* src = std::get_if<llb::SourceOp>(&n->op); src && is_http(*src)) {
        // The key of a download is what it downloaded.
        auto fetched = [&] {
          try {
            return fetch_http_source(store_, *src);
          } catch (const Error& e) {
            throw Error(n->meta.location.empty() ? e.what() : n->meta.location + ": " + e.what());
          }
        }();
        auto filename = src->attrs.find("filename");
        Digest key = sha256_of(std::string("http-source|") + fetched.content.str() + "|" +
                               (filename == src->attrs.end() ? "" : filename->second));
        keys_[n->digest] = KeyParts{key, llb::to_json(n->op), nlohmann::json::array(), {}};
        fetched_.emplace(n->digest, std::move(fetched));
        continue;
      }
      if (const auto* src = std::get_if<llb::SourceOp>(&n->op))
        if (auto spec = git_checkout_spec(*src)) {
          // The key of a Git source is the commit its ref names now: asked, not fetched.
          std::string commit;
          Digest key;
          try {
            commit = resolve_git_commit(spec->url, options_.git);
            key = git_checkout_key(commit, *spec);
          } catch (const Error& e) {
            throw Error(n->meta.location.empty() ? e.what() : n->meta.location + ": " + e.what());
          }
          keys_[n->digest] = KeyParts{key, llb::to_json(n->op), nlohmann::json::array(), {}};
          git_commits_.emplace(n->digest, GitCommit{std::move(*spec), std::move(commit)});
          continue;
        }
      std::vector<Digest> in;
      for (const auto& i : n->inputs)
        in.push_back(i.is_scratch() ? CacheKeyer::scratch_key() : keys_.at(i.node->digest).key);
      keys_[n->digest] = keyer_.key(*n, in);
    }
  }

  // Decides what must run: a vertex found in the cache needs nothing below it.
  void plan(const llb::Node* n) {
    if (!n) return;
    n = canonical_.at(n->digest);
    if (planned_run_.count(n->digest) || results_.count(n->digest)) return;
    if (!is_source(*n) && !uses_ignored_cache(n))
      if (auto hit = cached_result(keys_.at(n->digest).key)) {
        results_[n->digest] = std::move(*hit);
        return;
      }
    planned_run_.insert(n->digest);
    order_.push_back(n);
    if (options_.explain_cache && !is_source(*n)) {
      std::vector<std::string> inputs;
      for (const auto& i : n->inputs) inputs.push_back(i.node ? describe(*i.node) : "scratch");
      miss_reasons_[n->digest] = reruns(*n) && !n->meta.ignore_cache
                                     ? "a step it builds on does not use the cache (--no-cache-filter)"
                                     : explainer_.explain(*n, keys_.at(n->digest), inputs);
    }
    for (const auto& i : n->inputs) plan(i.node.get());
  }

  // Whether `n` or a step below it ignores the cache (--no-cache-filter): then `n` is not taken
  // from the cache by its key either, or a hit here would hide that step (a stage reached only
  // through COPY --from would never run again). A step that copies from it may still be found
  // by its content key once the stage has run again.
  bool uses_ignored_cache(const llb::Node* n) {
    if (!n) return false;
    if (auto known = uses_ignored_.find(n->digest); known != uses_ignored_.end()) return known->second;
    bool ignored = n->meta.ignore_cache;
    for (const auto& i : n->inputs) ignored = uses_ignored_cache(canonical_node(i.node.get())) || ignored;
    uses_ignored_[n->digest] = ignored;
    return ignored;
  }

  const llb::Node* canonical_node(const llb::Node* n) const { return n ? canonical_.at(n->digest) : nullptr; }

  // Whether planned step `n` runs again whatever the cache holds, its result replacing the
  // cache's: plan() worked that out for every step it planned.
  bool reruns(const llb::Node& n) const {
    auto known = uses_ignored_.find(n.digest);
    return known != uses_ignored_.end() && known->second;
  }

  // The store's record for `key`, else the cache importer's (then recorded in the store).
  std::optional<Result> cached_result(const Digest& key) {
    if (auto hit = results_cache_.find(key)) return hit;
    if (!options_.cache_importer) return std::nullopt;
    auto imported = options_.cache_importer->fetch(key);
    if (!imported) return std::nullopt;
    return results_cache_.record(key, *imported);
  }

  void execute() {
    if (order_.empty()) return;
    const int threads = options_.max_parallelism > 0
                            ? options_.max_parallelism
                            : std::max(4, static_cast<int>(std::thread::hardware_concurrency()));
    // RUN steps mostly wait on their processes, so allow more threads than cores.
    tbb::global_control allow(tbb::global_control::max_allowed_parallelism,
                              static_cast<std::size_t>(threads));
    tbb::task_arena arena(threads);
    arena.execute([&] {
      tbb::flow::graph g;
      using Vertex = tbb::flow::continue_node<tbb::flow::continue_msg>;
      std::unordered_map<Digest, std::unique_ptr<Vertex>> vertices;
      for (const auto* n : order_)
        vertices[n->digest] = std::make_unique<Vertex>(g, [this, n](const tbb::flow::continue_msg&) {
          run_vertex(n);
          return tbb::flow::continue_msg();
        });
      std::vector<Vertex*> roots;
      for (const auto* n : order_) {
        std::set<Digest> preds;
        for (const auto& i : n->inputs)
          if (i.node && vertices.count(i.node->digest)) preds.insert(i.node->digest);
        for (const auto& p : preds) tbb::flow::make_edge(*vertices[p], *vertices[n->digest]);
        if (preds.empty()) roots.push_back(vertices[n->digest].get());
      }
      for (auto* r : roots) r->try_put(tbb::flow::continue_msg());
      g.wait_for_all();
    });
  }

  void run_vertex(const llb::Node* n) {
    if (cancel_.load()) return;
    const auto start = std::chrono::steady_clock::now();
    auto seconds = [&] {
      return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    ProgressEvent ev{.kind = ProgressEvent::Kind::Started, .vertex = n->digest.hex(),
                     .description = describe(*n), .location = n->meta.location,
                     .inputs = input_vertices(*n)};
    if (auto it = miss_reasons_.find(n->digest); it != miss_reasons_.end()) ev.text = it->second;
    const bool visible = !is_source(*n) || !std::get<llb::SourceOp>(n->op).identifier.starts_with(kLocalPrefix);
    bool started = false;  // a step found by its content key is only reported cached
    try {
      std::vector<const Result*> inputs;
      std::vector<Digest> input_keys;
      {
        std::lock_guard lock(mu_);
        for (const auto& i : n->inputs) {
          inputs.push_back(i.node ? &results_.at(i.node->digest) : nullptr);
          input_keys.push_back(i.node ? known_key(i.node->digest) : CacheKeyer::scratch_key());
        }
      }
      const Digest content = content_key(*n, inputs, std::move(input_keys));
      if (auto hit = content_hit(*n, content)) {
        std::lock_guard lock(mu_);
        results_[n->digest] = std::move(*hit);
        content_keys_[n->digest] = content;
        return;
      }
      started = true;
      if (visible) progress_.event(ev);
      Result r = run_op(*n, inputs, content);
      std::lock_guard lock(mu_);
      results_[n->digest] = std::move(r);
      if (content != keys_.at(n->digest).key) content_keys_[n->digest] = content;
    } catch (const Cancelled&) {
      return;
    } catch (const std::exception& e) {
      {
        std::lock_guard lock(mu_);
        if (!first_error_) first_error_ = std::current_exception();
      }
      cancel_.store(true);
      if (visible && !started) progress_.event(ev);
      ev.kind = ProgressEvent::Kind::Error;
      ev.text = e.what();
      ev.seconds = seconds();
      progress_.event(ev);
      return;
    }
    ev.kind = ProgressEvent::Kind::Done;
    ev.text.clear();
    ev.seconds = seconds();
    if (visible) progress_.event(ev);
  }

  // The key the steps after vertex `digest` know its result by (caller holds mu_): its content
  // key when it has one that differs from its cache key, else its cache key.
  const Digest& known_key(const Digest& digest) const {
    auto it = content_keys_.find(digest);
    return it != content_keys_.end() ? it->second : keys_.at(digest).key;
  }

  // The key of `n` over what its inputs are known by, and over the content of what it copies
  // from other steps' results (copied_content.h); its cache key when neither makes a difference.
  Digest content_key(const llb::Node& n, const std::vector<const Result*>& inputs,
                     std::vector<Digest> input_keys) {
    const KeyParts& parts = keys_.at(n.digest);
    if (is_source(n) || n.meta.ignore_cache) return parts.key;
    for (int index : content_keyed_inputs(n)) {
      const auto i = static_cast<std::size_t>(index);
      OverlayMount from(scratch_.path(), top_first_dirs(store_, inputs[i]->layers));
      input_keys[i] = copied_content(store_.db(), n, index, from.path());
    }
    return input_keys == parts.inputs ? parts.key : CacheKeyer::key_over(parts, input_keys);
  }

  // The result recorded under `content` when it is not the vertex's cache key (which plan()
  // looked up already), recorded under the cache key too and reported as cached.
  std::optional<Result> content_hit(const llb::Node& n, const Digest& content) {
    const Digest& key = keys_.at(n.digest).key;
    if (content == key) return std::nullopt;
    auto hit = results_cache_.find(content);
    if (!hit) return std::nullopt;
    Result r = results_cache_.record(key, *hit);
    progress_.event({.kind = ProgressEvent::Kind::Cached, .vertex = n.digest.hex(),
                     .description = describe(n), .location = n.meta.location,
                     .inputs = input_vertices(n)});
    return r;
  }

  // Runs `n` (unless a concurrent build has just recorded it) and records its result under its
  // cache key and its content key.
  Result run_op(const llb::Node& n, const std::vector<const Result*>& inputs, const Digest& content) {
    if (const auto* src = std::get_if<llb::SourceOp>(&n.op)) return run_source(n, *src);
    const Digest& key = keys_.at(n.digest).key;
    Result r = produce(n, inputs);
    if (content != key) results_cache_.record(content, r, reruns(n));
    return r;
  }

  Result produce(const llb::Node& n, const std::vector<const Result*>& inputs) {
    if (std::holds_alternative<llb::MergeOp>(n.op)) {
      Result r;
      for (const auto* in : inputs)
        if (in) r.layers.insert(r.layers.end(), in->layers.begin(), in->layers.end());
      return results_cache_.record(keys_.at(n.digest).key, r, reruns(n));
    }
    const Digest& key = keys_.at(n.digest).key;
    if (reruns(n)) return run_step(n, inputs);
    return with_step_lock(store_.locks_dir(), key, cancel_, [&] {
      // Whoever held the lock may have just recorded this very step.
      if (auto theirs = results_cache_.find(key)) return *theirs;
      return run_step(n, inputs);
    });
  }

  Result run_step(const llb::Node& n, const std::vector<const Result*>& inputs) {
    Result r = std::holds_alternative<llb::ExecOp>(n.op) ? run_exec_op(ctx_, n, inputs)
                                                         : run_file_op(ctx_, n, inputs);
    ++executed_;
    results_cache_.record_snapshot(r.layers.back());
    if (options_.on_new_snapshot) options_.on_new_snapshot(r.layers.back());
    return results_cache_.record(keys_.at(n.digest).key, r, reruns(n));
  }

  Result run_source(const llb::Node& n, const llb::SourceOp& src) {
    Result r;
    if (src.identifier.starts_with(kLocalPrefix)) {
      std::string name = src.identifier.substr(kLocalPrefix.size());
      auto it = options_.local_dirs.find(name);
      if (it == options_.local_dirs.end()) throw Error("local source `" + name + "` was not given");
      r.host_dir = it->second.path;
    } else if (src.identifier.starts_with(kImagePrefix)) {
      r.layers = images_.layers(src.identifier);
    } else if (auto git = git_commits_.find(n.digest); git != git_commits_.end()) {
      try {
        r.layers = {git_checkout(store_, git->second.spec, git->second.commit, options_.git)};
      } catch (const Error& e) {
        throw Error(n.meta.location.empty() ? e.what() : n.meta.location + ": " + e.what());
      }
    } else if (auto it = fetched_.find(n.digest); it != fetched_.end()) {
      r.layers = {it->second.staging.commit()};
      results_cache_.record_snapshot(r.layers.back());
    } else {
      throw Error(n.meta.location + ": source `" + src.identifier + "` is not supported");
    }
    return r;
  }

  cache::Store& store_;
  ImageProvider& images_;
  ProgressSink& progress_;
  const SolveOptions& options_;
  std::atomic<int>& executed_;
  ResultCache results_cache_;
  CacheKeyer keyer_;  // its context checksums serve the explanations too
  CacheExplainer explainer_;
  TempDir scratch_;
  OpContext ctx_;

  std::unordered_map<Digest, const llb::Node*> canonical_;  // the node kept for each digest
  std::unordered_map<Digest, KeyParts> keys_;              // vertex digest -> cache key
  std::unordered_map<Digest, std::string> miss_reasons_;
  std::unordered_map<Digest, FetchedFile> fetched_;  // ADD <url> downloads, by vertex
  struct GitCommit {
    GitCheckoutSpec spec;
    std::string commit;
  };
  std::unordered_map<Digest, GitCommit> git_commits_;  // ADD <git url>: the commit its ref names
  std::set<Digest> planned_run_;
  std::unordered_map<Digest, bool> uses_ignored_;  // memo of uses_ignored_cache()
  std::vector<const llb::Node*> order_;
  std::mutex mu_;
  std::unordered_map<Digest, Result> results_;
  std::unordered_map<Digest, Digest> content_keys_;  // where a vertex's content key differs
  std::exception_ptr first_error_;
};

}  // namespace

Solver::Solver(cache::Store& store, executor::Executor& executor, ImageProvider& images,
               ProgressSink& progress, SolveOptions options)
    : store_(store), executor_(executor), images_(images), progress_(progress),
      options_(std::move(options)) {}

Result Solver::solve(const llb::Definition& def) {
  executed_ = 0;
  if (def.target.is_scratch()) return {};
  if (def.target.index != 0) throw Error("solve: only output 0 of a vertex can be a target");
  check_entitlements(def, options_.entitlements);
  cancel_requested_.store(false);
  records_.clear();
  unvisited_keys_.clear();
  Run run(store_, executor_, images_, progress_, options_, executed_, cancel_requested_);
  return run.solve(def, records_, unvisited_keys_);
}

std::vector<CacheRecord> Solver::records() const {
  std::vector<CacheRecord> all = records_;
  ResultCache stored(store_);
  for (const auto& key : unvisited_keys_) {
    auto result = stored.find(key);
    if (!result && options_.cache_importer) result = options_.cache_importer->fetch(key);
    if (result) all.push_back({key, std::move(*result)});
  }
  return all;
}

}  // namespace gantry::solver

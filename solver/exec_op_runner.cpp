#include <sys/stat.h>
#include <unistd.h>

#include <deque>
#include <map>
#include <memory>
#include <mutex>

#include "base/error.h"
#include "base/file_util.h"
#include "solver/cache_mount_lease.h"
#include "solver/context_mask.h"
#include "solver/file_copier.h"
#include "solver/op_runners.h"
#include "solver/overlay_mount.h"
#include "solver/ssh_agent_proxy.h"

namespace gantry::solver {

namespace fs = std::filesystem;

std::vector<fs::path> top_first_dirs(const cache::Store& store,
                                     const std::vector<std::string>& layers) {
  std::vector<fs::path> dirs;
  for (auto it = layers.rbegin(); it != layers.rend(); ++it)
    dirs.push_back(store.snapshots().dir(*it));
  return dirs;
}

cache::ExcludeRules exclude_rules_of(const OpContext& ctx, const llb::Node& node, int input) {
  if (input < 0 || input >= static_cast<int>(node.inputs.size())) return {};
  const auto& in = node.inputs[static_cast<std::size_t>(input)];
  const auto* src = in.node ? std::get_if<llb::SourceOp>(&in.node->op) : nullptr;
  constexpr std::string_view kLocal = "local://";
  if (!src || !src->identifier.starts_with(kLocal)) return {};
  auto it = ctx.options.local_dirs.find(src->identifier.substr(kLocal.size()));
  return it == ctx.options.local_dirs.end() ? cache::ExcludeRules{} : it->second.excluded;
}

std::string shown_path(std::string_view path) {
  while (path.starts_with('/')) path.remove_prefix(1);
  while (path.ends_with('/')) path.remove_suffix(1);
  return path.empty() ? "." : std::string(path);
}

namespace {

// Keeps the last lines of a step's output for the error message when it fails.
class OutputTail {
 public:
  void add(std::string_view line) {
    std::lock_guard lock(mu_);
    lines_.emplace_back(line);
    if (lines_.size() > kLines) lines_.pop_front();
  }
  std::string joined() const {
    std::string out;
    for (const auto& l : lines_) out += "\n  > " + l;
    return out;
  }

 private:
  static constexpr std::size_t kLines = 10;
  mutable std::mutex mu_;
  std::deque<std::string> lines_;
};

std::string command_text(const llb::ExecOp& op) {
  std::string s;
  for (const auto& a : op.args) s += (s.empty() ? "" : " ") + a;
  return s;
}

std::string mebibytes(std::int64_t bytes) {
  constexpr std::int64_t kMiB = 1 << 20;
  return bytes % kMiB == 0 ? std::to_string(bytes / kMiB) + " MiB" : std::to_string(bytes) + " bytes";
}

// Why a step that failed did: the limit it ran into, if it ran into one.
std::string limit_reached(const executor::RunResult& run, const executor::Limits& limits) {
  if (run.limits_hit.oom_kills > 0 && limits.memory_bytes) {
    return ": it reached its memory limit of " + mebibytes(*limits.memory_bytes) +
           " (--memory) and the kernel's OOM killer ended " + std::to_string(run.limits_hit.oom_kills) +
           (run.limits_hit.oom_kills == 1 ? " process" : " processes");
  }
  if (run.limits_hit.refused_forks > 0 && limits.pids) {
    return ": it reached its pids limit of " + std::to_string(*limits.pids) +
           " processes (--pids-limit), " + std::to_string(run.limits_hit.refused_forks) +
           (run.limits_hit.refused_forks == 1 ? " fork was" : " forks were") + " refused";
  }
  return "";
}

const Result& input_result(const std::vector<const Result*>& inputs, int i, const Result& empty) {
  if (i < 0) return empty;
  if (i >= static_cast<int>(inputs.size())) throw Error("exec op: mount input out of range");
  return inputs[static_cast<std::size_t>(i)] ? *inputs[static_cast<std::size_t>(i)] : empty;
}

// What a cache mount's directory is known by: its id and, for a cache seeded from a stage or
// image (from=), what that holds and the path in it (source=). As in BuildKit, another base is
// another cache, and a cache is seeded only when it is made.
std::string cache_key(const llb::Mount& m, const std::vector<const Result*>& inputs, const Result& empty) {
  std::string key = m.cache_id.empty() ? m.dest : m.cache_id;
  if (m.input < 0) return key;  // the key caches had before they could be seeded: they are kept
  key += "\nseeded from";
  for (const auto& layer : input_result(inputs, m.input, empty).layers) key += " " + layer;
  return key + "\n" + m.selector;
}

// Makes the new directory `dir` of a cache: the content of `seed` at the mount's source for a
// seeded cache (its mode and owner with it), else empty, mode 0755 and root's; then the mount's
// mode, uid and gid where given.
void fill_cache_dir(const OpContext& ctx, const llb::Node& node, const llb::Mount& m, const Result& seed,
                    const fs::path& dir) {
  const bool seeded = m.input >= 0;
  if (seeded) {
    if (seed.host_dir) throw Error(node.meta.location + ": cache mount `" + m.dest + "`: a local directory cannot seed a cache");
    OverlayMount view(ctx.scratch, top_first_dirs(ctx.store, seed.layers));
    const cache::SourceTree tree(view.path());
    const auto found = tree.find(m.selector.empty() ? "/" : m.selector, true);
    if (!found)
      throw Error(node.meta.location + ": cache mount `" + m.dest + "`: source `" + shown_path(m.selector) +
                  "` not found in the stage or image it is seeded from");
    if (!S_ISDIR(found->st.st_mode))
      throw Error(node.meta.location + ": cache mount `" + m.dest + "`: source `" + shown_path(m.selector) +
                  "` is not a directory");
    FileCopier(tree, {}).copy(*found, dir);
  }
  if ((m.mode || !seeded) && ::chmod(dir.c_str(), m.mode.value_or(0755)) != 0)
    throw_errno("chmod cache mount `" + dir.string() + "`");
  const uid_t uid = m.uid ? *m.uid : seeded ? static_cast<uid_t>(-1) : 0;  // -1: as seeded
  const gid_t gid = m.gid ? *m.gid : seeded ? static_cast<gid_t>(-1) : 0;
  if (::chown(dir.c_str(), uid, gid) != 0) throw_errno("chown cache mount `" + dir.string() + "`");
}

}  // namespace

Result run_exec_op(const OpContext& ctx, const llb::Node& node,
                   const std::vector<const Result*>& inputs) {
  const auto& op = std::get<llb::ExecOp>(node.op);
  const Result empty;
  if (op.mounts.empty() || op.mounts[0].dest != "/") throw Error("exec op without a root mount");
  const Result& root = input_result(inputs, op.mounts[0].input, empty);
  if (root.host_dir) throw Error(node.meta.location + ": a local directory cannot be a RUN's root");

  auto staging = ctx.store.snapshots().prepare();
  executor::RunSpec spec;
  spec.rootfs = {top_first_dirs(ctx.store, root.layers), staging.fs(), staging.work()};
  spec.process.args = op.args;
  spec.process.env = op.env;
  spec.process.cwd = op.cwd.empty() ? "/" : op.cwd;
  spec.process.user = op.user;
  if (!op.hostname.empty()) spec.process.hostname = op.hostname;
  spec.process.network = op.network == llb::NetworkMode::Host   ? executor::Network::Host
                         : op.network == llb::NetworkMode::None ? executor::Network::None
                                                                : ctx.options.default_network;
  spec.insecure = op.security == llb::SecurityMode::Insecure;
  spec.limits = ctx.options.limits;
  spec.process.extra_hosts = ctx.options.extra_hosts;
  spec.shm_bytes = ctx.options.shm_bytes;
  spec.ulimits = ctx.options.ulimits;
  spec.security = ctx.options.security;
  if (!op.platform.empty()) {
    try {
      spec.platform = Platform::parse(op.platform);
    } catch (const Error& e) {
      throw Error(node.meta.location + ": " + e.what());
    }
  }

  for (const auto& s : op.secret_env) {
    auto it = ctx.options.secrets.find(s.secret_id);
    if (it != ctx.options.secrets.end())
      spec.process.env.push_back(s.name + "=" + it->second);
    else if (s.required)
      throw Error(node.meta.location + ": secret `" + s.secret_id + "` is required but was not given (--secret id=" + s.secret_id + ",...)");
  }

  // Held until the step is done: taken in the order of their keys, so that two steps that
  // use the same locked caches cannot each hold one the other waits for; a cache that two
  // mounts of this step name is one directory, as in BuildKit.
  std::map<std::string, std::vector<const llb::Mount*>> caches;  // the mounts of each key, the first leasing
  for (std::size_t i = 1; i < op.mounts.size(); ++i)
    if (op.mounts[i].type == llb::MountType::Cache) caches[cache_key(op.mounts[i], inputs, empty)].push_back(&op.mounts[i]);
  std::map<std::string, CacheMountLease> cache_leases;
  std::map<const llb::Mount*, fs::path> cache_dirs;  // each cache mount's leased directory
  for (const auto& [key, mounts] : caches) {
    const llb::Mount* m = mounts.front();
    const CacheMountLease& lease = cache_leases.try_emplace(
        key, CacheMountDirs{ctx.store.root() / "cache-mounts", ctx.store.locks_dir(), ctx.scratch}, key, m->sharing,
        [&](const fs::path& dir) { fill_cache_dir(ctx, node, *m, input_result(inputs, m->input, empty), dir); },
        ctx.cancel).first->second;
    for (const llb::Mount* each : mounts) cache_dirs.emplace(each, lease.dir());
  }

  // rw upper dirs whose writes are discarded, and exclusion masks
  std::vector<std::unique_ptr<TempDir>> throwaway;
  std::vector<std::unique_ptr<SshAgentProxy>> ssh_proxies;  // relaying while the step runs
  for (std::size_t i = 1; i < op.mounts.size(); ++i) {
    const auto& m = op.mounts[i];
    switch (m.type) {
      case llb::MountType::Bind: {
        const Result& in = input_result(inputs, m.input, empty);
        executor::OverlayMount ov;
        ov.target = m.dest;
        ov.selector = m.selector;
        if (in.host_dir) {
          // Looked up as COPY would, inside the context; the mount then shows what COPY sees.
          const cache::SourceTree context(*in.host_dir, exclude_rules_of(ctx, node, m.input));
          if (!context.find(m.selector, true))
            throw Error(node.meta.location + ": mount source `" + shown_path(m.selector) +
                        "` not found in the build context (or excluded by .dockerignore)");
          auto& mask = throwaway.emplace_back(std::make_unique<TempDir>(ctx.scratch, "mask-"));
          ov.lower_dirs = {in.host_dir->string()};
          if (write_exclusion_mask(context, mask->path())) ov.lower_dirs.insert(ov.lower_dirs.begin(), mask->path());
        } else {
          ov.lower_dirs = top_first_dirs(ctx.store, in.layers);
        }
        if (!m.readonly) {
          auto& t = throwaway.emplace_back(std::make_unique<TempDir>(ctx.scratch, "rw-"));
          fs::create_directory(t->path() / "upper");
          fs::create_directory(t->path() / "work");
          ov.upper_dir = t->path() / "upper";
          ov.work_dir = t->path() / "work";
        }
        spec.mounts.emplace_back(std::move(ov));
        break;
      }
      case llb::MountType::Cache:
        spec.mounts.emplace_back(executor::BindMount{cache_dirs.at(&m), m.dest, m.readonly});
        break;
      case llb::MountType::Tmpfs:
        spec.mounts.emplace_back(executor::TmpfsMount{m.dest, m.tmpfs_size});
        break;
      case llb::MountType::Secret: {
        auto it = ctx.options.secrets.find(m.secret_id);
        if (it == ctx.options.secrets.end()) {
          if (m.required)
            throw Error(node.meta.location + ": secret `" + m.secret_id + "` is required but was not given (--secret id=" + m.secret_id + ",...)");
          break;
        }
        std::string target = m.dest.empty() ? "/run/secrets/" + m.secret_id : m.dest;
        spec.mounts.emplace_back(executor::SecretFileMount{target, it->second, m.uid.value_or(0),
                                                           m.gid.value_or(0), m.mode.value_or(0400)});
        break;
      }
      case llb::MountType::Ssh: {
        std::string id = m.secret_id.empty() ? "default" : m.secret_id;
        auto it = ctx.options.ssh_sockets.find(id);
        if (it == ctx.options.ssh_sockets.end()) {
          if (m.required) throw Error(node.meta.location + ": ssh agent `" + id + "` is required but was not given (--ssh " + id + "=...)");
          break;
        }
        std::string target = m.dest.empty() ? "/run/buildkit/ssh_agent.0" : m.dest;
        try {
          ssh_proxies.push_back(std::make_unique<SshAgentProxy>(
              ctx.scratch, it->second, SocketOwner{m.uid.value_or(0), m.gid.value_or(0), m.mode.value_or(0600)}));
        } catch (const Error& e) {
          throw Error(node.meta.location + ": --ssh " + id + ": " + e.what());
        }
        spec.mounts.emplace_back(executor::BindMount{ssh_proxies.back()->socket(), target, false});
        spec.process.env.push_back("SSH_AUTH_SOCK=" + target);
        break;
      }
    }
  }

  OutputTail tail;
  const std::string vertex = node.digest.hex();
  auto sink = [&](executor::Stream stream, std::string_view line) {
    tail.add(line);
    ctx.progress.event({.kind = ProgressEvent::Kind::Log, .vertex = vertex,
                        .description = node.meta.description, .location = node.meta.location,
                        .text = std::string(line), .stream = stream});
  };
  executor::RunResult rr;
  try {
    rr = ctx.executor.run(spec, sink, &ctx.cancel);
  } catch (const Error& e) {
    throw Error(node.meta.location + ": " + e.what());
  }
  if (ctx.cancel.load()) throw Cancelled();
  if (rr.exit_code != 0)
    throw Error(node.meta.location + ": process \"" + command_text(op) +
                "\" did not complete successfully: exit code: " + std::to_string(rr.exit_code) +
                limit_reached(rr, spec.limits) + tail.joined());

  Result out;
  out.layers = root.layers;
  out.layers.push_back(staging.commit());
  return out;
}

}  // namespace gantry::solver

#include "llb/llb.h"

#include <nlohmann/json.hpp>

#include "llb/definition.h"

namespace gantry::llb {

using nlohmann::json;

namespace {

const char* name_of(MountType t) {
  switch (t) {
    case MountType::Bind: return "bind";
    case MountType::Cache: return "cache";
    case MountType::Tmpfs: return "tmpfs";
    case MountType::Secret: return "secret";
    case MountType::Ssh: return "ssh";
  }
  return "?";
}

const char* name_of(CacheSharing s) {
  switch (s) {
    case CacheSharing::Shared: return "shared";
    case CacheSharing::Private: return "private";
    case CacheSharing::Locked: return "locked";
  }
  return "?";
}

const char* name_of(NetworkMode n) {
  switch (n) {
    case NetworkMode::Default: return "default";
    case NetworkMode::None: return "none";
    case NetworkMode::Host: return "host";
  }
  return "?";
}

template <typename T>
json optional_json(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

json chown_json(const std::optional<Chown>& c) {
  if (!c) return nullptr;
  return {{"user", c->user}, {"group", c->group}};
}

json mount_json(const Mount& m) {
  return {{"input", m.input},         {"selector", m.selector},
          {"dest", m.dest},           {"output", m.output},
          {"readonly", m.readonly},   {"type", name_of(m.type)},
          {"cache_id", m.cache_id},   {"sharing", name_of(m.sharing)},
          {"tmpfs_size", m.tmpfs_size}, {"secret_id", m.secret_id},
          {"required", m.required},   {"uid", optional_json(m.uid)},
          {"gid", optional_json(m.gid)}, {"mode", optional_json(m.mode)}};
}

json action_json(const FileAction& action) {
  return std::visit(
      [](const auto& a) -> json {
        using T = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<T, FileCopy>) {
          json copy = {{"action", "copy"},
                       {"src_input", a.src_input},
                       {"src", a.src},
                       {"dest", a.dest},
                       {"chown", chown_json(a.chown)},
                       {"mode", optional_json(a.mode)},
                       {"follow_symlinks", a.follow_symlinks},
                       {"copy_dir_contents", a.copy_dir_contents},
                       {"allow_wildcard", a.allow_wildcard},
                       {"allow_empty_wildcard", a.allow_empty_wildcard},
                       {"create_dest_path", a.create_dest_path},
                       {"unpack_archive", a.unpack_archive},
                       {"parents", a.parents},
                       {"exclude_patterns", a.exclude_patterns}};
          // Only when set: the copies without them keep the digests they had before.
          if (!a.symbolic_mode.empty()) copy["symbolic_mode"] = a.symbolic_mode;
          if (!a.include_patterns.empty()) copy["include_patterns"] = a.include_patterns;
          return copy;
        } else if constexpr (std::is_same_v<T, FileMkdir>) {
          return {{"action", "mkdir"}, {"path", a.path}, {"mode", a.mode},
                  {"make_parents", a.make_parents}, {"chown", chown_json(a.chown)}};
        } else if constexpr (std::is_same_v<T, FileMkfile>) {
          return {{"action", "mkfile"}, {"path", a.path}, {"mode", a.mode},
                  {"data", a.data}, {"chown", chown_json(a.chown)}};
        } else if constexpr (std::is_same_v<T, FileRm>) {
          return {{"action", "rm"}, {"path", a.path}, {"allow_not_found", a.allow_not_found},
                  {"allow_wildcard", a.allow_wildcard}};
        } else {
          return {{"action", "symlink"}, {"target", a.target}, {"path", a.path}};
        }
      },
      action);
}

}  // namespace

json to_json(const Op& op) {
  return std::visit(
      [](const auto& o) -> json {
        using T = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<T, SourceOp>) {
          return {{"source", {{"identifier", o.identifier}, {"attrs", o.attrs}}}};
        } else if constexpr (std::is_same_v<T, ExecOp>) {
          json mounts = json::array();
          for (const auto& m : o.mounts) mounts.push_back(mount_json(m));
          json secret_env = json::array();
          for (const auto& s : o.secret_env)
            secret_env.push_back({{"name", s.name}, {"secret_id", s.secret_id},
                                  {"required", s.required}});
          json exec = {{"args", o.args},
                       {"env", o.env},
                       {"cwd", o.cwd},
                       {"user", o.user},
                       {"hostname", o.hostname},
                       {"network", name_of(o.network)},
                       {"security", o.security == SecurityMode::Insecure ? "insecure" : "sandbox"},
                       {"mounts", mounts},
                       {"secret_env", secret_env}};
          // Only when set: the steps of native builds keep the digests (and cache keys) they had.
          if (!o.platform.empty()) exec["platform"] = o.platform;
          return {{"exec", exec}};
        } else if constexpr (std::is_same_v<T, FileOp>) {
          json actions = json::array();
          for (const auto& a : o.actions) actions.push_back(action_json(a));
          return {{"file", {{"dest_input", o.dest_input}, {"actions", actions}}}};
        } else {
          return {{"merge", json::object()}};
        }
      },
      op);
}

std::string canonical_encoding(const Op& op, const std::vector<Output>& inputs) {
  json in = json::array();
  for (const auto& i : inputs) {
    if (i.is_scratch())
      in.push_back(nullptr);
    else
      in.push_back({{"digest", i.node->digest.str()}, {"index", i.index}});
  }
  // nlohmann::json objects are std::maps: keys come out sorted, so the dump is canonical.
  return json{{"op", to_json(op)}, {"inputs", in}}.dump();
}

std::shared_ptr<const Node> make_node(Op op, std::vector<Output> inputs, OpMetadata meta) {
  auto node = std::make_shared<Node>();
  node->digest = sha256_of(canonical_encoding(op, inputs));
  node->op = std::move(op);
  node->inputs = std::move(inputs);
  node->meta = std::move(meta);
  return node;
}

Output source(SourceOp op, OpMetadata meta) {
  return {make_node(std::move(op), {}, std::move(meta)), 0};
}
Output exec(ExecOp op, std::vector<Output> inputs, OpMetadata meta) {
  return {make_node(std::move(op), std::move(inputs), std::move(meta)), 0};
}
Output file(FileOp op, std::vector<Output> inputs, OpMetadata meta) {
  return {make_node(std::move(op), std::move(inputs), std::move(meta)), 0};
}
Output merge(std::vector<Output> inputs, OpMetadata meta) {
  return {make_node(MergeOp{}, std::move(inputs), std::move(meta)), 0};
}

}  // namespace gantry::llb

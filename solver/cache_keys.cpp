#include "solver/cache_keys.h"

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "solver/context_listing.h"
#include "solver/copy_filters.h"

namespace gantry::solver {

using nlohmann::json;

namespace {
constexpr std::string_view kLocalPrefix = "local://";
constexpr std::string_view kImagePrefix = "docker-image://";
constexpr std::string_view kKeyVersion = "gantry-cache-key-v1";

// Before the private network, a build's default network was the host's and was keyed "host".
const char* network_key(executor::Network network) {
  switch (network) {
    case executor::Network::Private: return "private";
    case executor::Network::None: return "none";
    case executor::Network::Host: return "host";
  }
  throw Error("cache key: unknown network mode");
}
}  // namespace

CacheKeyer::CacheKeyer(cache::Database& db, const SolveOptions& options, ImageProvider& images)
    : db_(db), options_(options), images_(images) {}

Digest CacheKeyer::scratch_key() { return sha256_of("scratch"); }

std::string CacheKeyer::local_name(const llb::Node& node, int index) {
  if (index < 0 || index >= static_cast<int>(node.inputs.size())) return "";
  const auto& in = node.inputs[static_cast<std::size_t>(index)];
  if (in.is_scratch()) return "";
  const auto* src = std::get_if<llb::SourceOp>(&in.node->op);
  if (!src || !src->identifier.starts_with(kLocalPrefix)) return "";
  return src->identifier.substr(kLocalPrefix.size());
}

cache::ContextChecksummer& CacheKeyer::checksummer(const std::string& name) {
  auto& slot = checksummers_[name];
  if (!slot) {
    auto it = options_.local_dirs.find(name);
    if (it == options_.local_dirs.end()) throw Error("local source `" + name + "` was not given");
    slot = std::make_unique<cache::ContextChecksummer>(db_, it->second.path, it->second.excluded);
  }
  return *slot;
}

cache::ContextChecksummer& CacheKeyer::excluding_checksummer(const std::string& name, const llb::FileCopy& copy) {
  const LocalDir& dir = options_.local_dirs.at(name);  // checksummer(name) made sure it is there
  if (!options_.path_patterns) throw Error("cache key: COPY --exclude needs a pattern matcher");
  const cache::ExcludeRules patterns = options_.path_patterns(copy.exclude_patterns);
  // The patterns apply below each source the copy resolves to, as the copy applies them.
  const cache::SourceTree tree(dir.path, dir.excluded);
  const bool wildcard = copy.allow_wildcard && cache::has_wildcard(copy.src);
  cache::ExcludeRules rules = dir.excluded;
  for (const std::string& name_read : wildcard ? tree.glob(copy.src) : std::vector<std::string>{copy.src})
    if (auto entry = tree.find(name_read, copy.follow_symlinks))
      rules = excluding_below(std::move(rules), entry->path, patterns);
  excluding_checksummers_.push_back(std::make_unique<cache::ContextChecksummer>(db_, dir.path, std::move(rules)));
  return *excluding_checksummers_.back();
}

namespace {
// The paths of a local dir a copy reads, as checksum patterns: its source, or with --parents
// what its include patterns name below it (up to a `**`, which checksum patterns lack).
std::vector<std::string> paths_keyed(const llb::FileCopy& copy) {
  if (!copy.parents) return {copy.src};
  std::vector<std::string> out;
  for (const std::string& pattern : copy.include_patterns) {
    const std::string below = pattern.find("**") == std::string::npos ? pattern : literal_prefix(pattern);
    out.push_back(copy.src.ends_with("/") ? copy.src + below : copy.src + "/" + below);
  }
  return out;
}
}  // namespace

KeyParts CacheKeyer::key(const llb::Node& node, const std::vector<Digest>& input_keys) {
  json op = llb::to_json(node.op);
  json content = json::array();  // checksums of what the op reads from local directories
  std::vector<std::string> dirs;
  auto read = [&](const std::string& dir, const std::string& path) {
    content.push_back({path, checksummer(dir).checksum(path).str()});
    dirs.push_back(dir);
  };

  if (const auto* exec = std::get_if<llb::ExecOp>(&node.op)) {
    // "default" means the build's network; two builds with different defaults differ. A build
    // with --network=none or =host keys its steps as a RUN --network=none or =host would be.
    if (exec->network == llb::NetworkMode::Default) op["exec"]["network"] = network_key(options_.default_network);
    // The names, not their addresses, as BuildKit keys an ExecOp's extra hosts: a step may have
    // read a name into its layer, while the address of a service may change from build to
    // build. Only when there are any: the keys of builds without --add-host stay as they were.
    for (const auto& host : options_.extra_hosts) op["exec"]["extra_hosts"].push_back(host.name);
    if (options_.shm_bytes != executor::kDefaultShmBytes) op["exec"]["shm_bytes"] = options_.shm_bytes;
    for (const auto& u : options_.ulimits) op["exec"]["ulimits"].push_back({u.name, u.soft, u.hard});
    // The resource limits (--memory, --cpu-*, --cgroup-parent) are not keyed: they bound how a
    // step runs, not what it makes, and docker keys none of them. The security options are:
    // they decide which calls a step may make, and a step that a profile denies a call (or a
    // setuid program its privileges) may take another path and make another layer, as
    // BuildKit keys an ExecOp's security mode. Only when not the default, so that the keys of
    // other builds stay as they were.
    const executor::SecurityOptions& security = options_.security;
    if (security.seccomp == executor::SecurityOptions::Seccomp::Unconfined) {
      op["exec"]["seccomp"] = "unconfined";
    } else if (security.seccomp == executor::SecurityOptions::Seccomp::Profile) {
      op["exec"]["seccomp"] = sha256_of(security.seccomp_profile).str();
    }
    if (security.no_new_privileges) op["exec"]["no_new_privileges"] = true;
    for (const auto& m : exec->mounts)
      if (m.type == llb::MountType::Bind)
        if (auto name = local_name(node, m.input); !name.empty())
          read(name, m.selector.empty() ? "." : m.selector);
  } else if (const auto* file = std::get_if<llb::FileOp>(&node.op)) {
    for (const auto& action : file->actions) {
      const auto* copy = std::get_if<llb::FileCopy>(&action);
      const std::string name = copy ? local_name(node, copy->src_input) : "";
      if (name.empty()) continue;
      cache::ContextChecksummer& sums = checksummer(name);
      cache::ContextChecksummer& filtered = copy->exclude_patterns.empty() ? sums : excluding_checksummer(name, *copy);
      for (const std::string& path : paths_keyed(*copy)) {
        content.push_back({path, filtered.checksum(path).str()});
        dirs.push_back(name);
      }
    }
  } else if (const auto* src = std::get_if<llb::SourceOp>(&node.op)) {
    // A local source's content is keyed where it is read, path by path; its own key must not
    // depend on anything else (not even the directory's location).
    if (src->identifier.starts_with(kLocalPrefix)) op["source"]["attrs"] = json::object();
    // An image is keyed by its layers' content (key_over), so the same base under another name
    // or manifest (a save and load, a recompressed copy, a mirror's) keeps its steps' cache.
    // The identifier stays in the parts, for explanations.
    if (src->identifier.starts_with(kImagePrefix)) {
      json diff_ids = json::array();
      for (const auto& d : images_.diff_ids(src->identifier)) diff_ids.push_back(d.str());
      op["source"]["diff_ids"] = std::move(diff_ids);
    }
  }

  KeyParts parts{{}, std::move(op), std::move(content), input_keys, std::move(dirs)};
  parts.key = key_over(parts, input_keys);
  return parts;
}

std::string CacheKeyer::listing(const std::string& dir, const std::string& path) {
  cache::ContextChecksummer& sums = checksummer(dir);
  return listing_under(sums.entries(), sums.matches(path));
}

Digest CacheKeyer::key_over(const KeyParts& parts, const std::vector<Digest>& input_keys) {
  json inputs = json::array();
  for (const auto& k : input_keys) inputs.push_back(k.str());
  const json* source = parts.op.contains("source") ? &parts.op["source"] : nullptr;
  const json keyed_op = source && source->contains("diff_ids")
                            ? json{{"image", (*source)["diff_ids"]}}
                            : parts.op;
  return sha256_of(std::string(kKeyVersion) +
                   json{{"op", keyed_op}, {"inputs", inputs}, {"content", parts.content}}.dump());
}

}  // namespace gantry::solver

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>

#include "base/error.h"
#include "base/file_util.h"
#include "base/symbolic_mode.h"
#include "base/unique_fd.h"
#include "base/user_namespace.h"
#include "cache/source_tree.h"
#include "solver/copy_filters.h"
#include "solver/file_copier.h"
#include "solver/op_runners.h"
#include "solver/overlay_mount.h"
#include "solver/rootfs_paths.h"

namespace gantry::solver {

namespace fs = std::filesystem;

namespace {

using cache::has_wildcard;

std::string strip_root(std::string_view p) {
  while (!p.empty() && p.front() == '/') p.remove_prefix(1);
  return std::string(p);
}

// A source that file ops read from: a host directory (the build context) or a mounted layer
// stack, read as a SourceTree so that nothing outside it is reached.
struct SourceView {
  std::unique_ptr<OverlayMount> mount;  // declared first: unmounted after the tree's fd is closed
  std::optional<cache::SourceTree> tree;
  bool from_context = false;
};

// mkdir -p inside a mounted root, giving new directories `mode` and the owner.
void make_parents(const fs::path& root, const fs::path& host_dir, mode_t mode, uid_t uid, gid_t gid) {
  std::vector<fs::path> missing;
  for (fs::path p = host_dir; p != root && !fs::exists(p); p = p.parent_path()) missing.push_back(p);
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (::mkdir(it->c_str(), mode) != 0 && errno != EEXIST) throw_errno("mkdir `" + it->string() + "`");
    ::chmod(it->c_str(), mode);
    if (::lchown(it->c_str(), uid, gid) != 0) throw chown_error(it->string(), uid, gid, errno);
  }
}

struct Owner {
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
};

Owner resolve_chown(const fs::path& dest_root, const std::optional<llb::Chown>& chown) {
  if (!chown) return {};
  Owner o;
  o.uid = lookup_uid(dest_root, chown->user);
  if (!chown->group.empty())
    o.gid = lookup_gid(dest_root, chown->group);
  else
    o.gid = primary_gid(dest_root, chown->user).value_or(*o.uid);
  return o;
}

class FileOpApplier {
 public:
  FileOpApplier(const OpContext& ctx, const llb::Node& node, const std::vector<const Result*>& inputs,
                const fs::path& dest_root)
      : ctx_(ctx), node_(node), inputs_(inputs), dest_root_(dest_root) {}

  void apply(const llb::FileAction& action) {
    std::visit([this](const auto& a) { apply_one(a); }, action);
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(node_.meta.location + ": " + what);
  }

  SourceView& source(int index) {
    auto& view = sources_[index];
    if (view.tree) return view;
    const Result* in = index >= 0 && index < static_cast<int>(inputs_.size())
                           ? inputs_[static_cast<std::size_t>(index)]
                           : nullptr;
    if (in && in->host_dir) {
      view.tree.emplace(*in->host_dir, exclude_rules_of(ctx_, node_, index));
      view.from_context = true;
    } else {
      view.mount = std::make_unique<OverlayMount>(
          ctx_.scratch, in ? top_first_dirs(ctx_.store, in->layers) : std::vector<fs::path>{});
      view.tree.emplace(view.mount->path());
    }
    return view;
  }

  void apply_one(const llb::FileCopy& c) {
    SourceView& src = source(c.src_input);
    const cache::SourceTree& tree = *src.tree;
    Owner owner = resolve_chown(dest_root_, c.chown);
    if (!owner.uid && src.from_context) owner = {0, 0};
    CopyAttributes attrs{owner.uid, owner.gid, c.mode, std::nullopt};
    if (!c.symbolic_mode.empty()) attrs.symbolic_mode = SymbolicMode::parse(c.symbolic_mode);
    auto not_found = [&](const std::string& path) {
      const std::string shown = shown_path(path);
      fail(src.from_context ? "COPY failed: `" + shown + "` not found in the build context (or excluded by .dockerignore)"
                            : "COPY failed: `/" + shown + "` not found in the source image or stage");
    };

    // Every source is looked up inside its tree (a link to / finds the tree's root, never the
    // host's) before anything is copied.
    const bool wildcard = c.allow_wildcard && has_wildcard(c.src);
    const std::vector<std::string> named = wildcard ? tree.glob(c.src) : std::vector<std::string>{strip_root(c.src)};
    if (wildcard && named.empty() && !c.allow_empty_wildcard)
      fail("COPY failed: no source files were specified: `" + c.src + "` matched nothing");
    std::vector<cache::SourceTree::Entry> found;
    for (const auto& path : named) {
      auto entry = tree.find(path, c.follow_symlinks);
      if (!entry) not_found(path);
      found.push_back(std::move(*entry));
    }
    // --exclude: each source read through a tree that leaves out what the patterns match below it.
    std::optional<cache::ExcludeRules> excluded;
    if (!c.exclude_patterns.empty()) excluded = pattern_rules(c.exclude_patterns);
    auto tree_for = [&](const cache::SourceTree::Entry& entry) -> std::optional<cache::SourceTree> {
      if (!excluded || !S_ISDIR(entry.st.st_mode)) return std::nullopt;
      return std::optional<cache::SourceTree>(std::in_place, tree.root(),
                                              excluding_below(tree.rules(), entry.path, *excluded));
    };

    const fs::path dest = resolve_in_root(dest_root_, c.dest);
    const uid_t parent_uid = owner.uid.value_or(0);
    const gid_t parent_gid = owner.gid.value_or(0);
    if (c.parents) {
      // What a pattern without wildcards names must be there, as BuildKit requires it.
      for (const auto& pattern : c.include_patterns)
        for (const auto& base : found)
          if (!wildcard && !has_wildcard(pattern) && pattern != "." &&
              !tree.find(cache::join_relative(base.path, pattern), false))
            not_found(cache::join_relative(strip_root(c.src), pattern));
      make_parents(dest_root_, dest, 0755, parent_uid, parent_gid);
      if (!fs::is_directory(dest)) fail("COPY failed: `" + c.dest + "` exists and is not a directory");
      const ParentsSelection selection = parents_selection(c.include_patterns);
      for (const auto& base : found) {
        if (!S_ISDIR(base.st.st_mode)) fail("COPY --parents: `" + shown_path(base.path) + "` is not a directory");
        const auto filtered = tree_for(base);
        copy_parents(selection, filtered ? *filtered : tree, FileCopier(filtered ? *filtered : tree, attrs), base, dest);
      }
      return;
    }

    const bool dest_is_dir_hint = c.dest.ends_with('/') || named.size() > 1 || wildcard;
    for (std::size_t i = 0; i < found.size(); ++i) {
      const cache::SourceTree::Entry& entry = found[i];
      const auto filtered = tree_for(entry);
      const FileCopier copier(filtered ? *filtered : tree, attrs);
      if (S_ISDIR(entry.st.st_mode) && c.copy_dir_contents) {
        make_parents(dest_root_, dest, 0755, parent_uid, parent_gid);
        if (!fs::is_directory(dest)) fail("COPY failed: `" + c.dest + "` exists and is not a directory");
        copier.copy_contents(entry, dest);
        continue;
      }
      // The copy has the name the source was given by, not the name a link of it points to.
      const fs::path name = named[i].empty() ? tree.root().filename() : fs::path(shown_path(named[i])).filename();
      fs::path target = (dest_is_dir_hint || fs::is_directory(dest)) ? dest / name : dest;
      make_parents(dest_root_, target.parent_path(), 0755, parent_uid, parent_gid);
      if (c.unpack_archive && S_ISREG(entry.st.st_mode)) {
        make_parents(dest_root_, dest, 0755, parent_uid, parent_gid);
        const UniqueFd archive = tree.open(entry, O_RDONLY);
        if (unpack_archive_into(archive.get(), "`" + named[i] + "`", dest)) continue;
      }
      copier.copy(entry, target);
    }
  }

  cache::ExcludeRules pattern_rules(const std::vector<std::string>& patterns) const {
    if (!ctx_.options.path_patterns) fail("COPY patterns (--exclude, --parents) need a pattern matcher");
    return ctx_.options.path_patterns(patterns);
  }

  // A destination directory of COPY --parents: made when the first thing goes in it.
  struct PendingDir {
    fs::path dest;
    bool made = false;
    PendingDir* parent = nullptr;
  };

  // What the include patterns of a COPY --parents select: worked out once for all its bases
  // and the directories below them.
  struct ParentsSelection {
    bool everything = false;             // a pattern is "."
    cache::ExcludeRules included;        // what they match, as the rules "exclude" it
    std::vector<std::string> prefixes;   // their literal prefixes: the directories a walk enters
  };

  ParentsSelection parents_selection(const std::vector<std::string>& patterns) const {
    ParentsSelection s;
    s.everything = std::find(patterns.begin(), patterns.end(), ".") != patterns.end();
    if (!s.everything) s.included = pattern_rules(patterns);
    s.prefixes = literal_prefixes(patterns);
    return s;
  }

  // COPY --parents: what below `base` the include patterns match, each at its path relative to
  // base under dest, with the directories on the way copied (without their other entries).
  void copy_parents(const ParentsSelection& selection, const cache::SourceTree& tree, const FileCopier& copier,
                    const cache::SourceTree::Entry& base, const fs::path& dest) {
    auto matches = [&](const std::string& rel) { return selection.everything || selection.included.excluded(rel); };
    auto ensure = [&](PendingDir& dir, auto& self) -> void {
      if (dir.made) return;
      if (dir.parent) self(*dir.parent, self);
      copier.make_directory(dir.dest);
      dir.made = true;
    };
    auto walk = [&](int dir_fd, const std::string& dir_path, const std::string& rel, PendingDir& here,
                    auto& self) -> void {
      for (const cache::DirectoryEntry& entry : tree.entries(dir_fd, dir_path)) {
        const std::string child_path = cache::join_relative(dir_path, entry.name);
        const std::string child_rel = cache::join_relative(rel, entry.name);
        if (entry.error != 0) throw errno_error("copy `" + child_path + "`", entry.error);
        if (matches(child_rel)) {
          ensure(here, ensure);
          copier.copy(dir_fd, entry.name, child_path, entry.st, here.dest / entry.name);
        } else if (S_ISDIR(entry.st.st_mode) && may_match_below(selection.prefixes, child_rel)) {
          const UniqueFd sub = cache::open_directory_at(dir_fd, entry.name.c_str(), child_path);
          PendingDir next{here.dest / entry.name, false, &here};
          self(sub.get(), child_path, child_rel, next, self);
          if (next.made) copier.finish_directory(next.dest, entry.st);
        }
      }
    };
    const UniqueFd dir = cache::open_directory_at(base.parent.get(), base.name.c_str(), base.path.empty() ? "." : base.path);
    PendingDir root{dest, true, nullptr};
    walk(dir.get(), base.path, "", root, walk);
  }

  void apply_one(const llb::FileMkdir& m) {
    Owner owner = resolve_chown(dest_root_, m.chown);
    fs::path dir = resolve_in_root(dest_root_, m.path);
    if (fs::exists(dir)) {
      if (!fs::is_directory(dir)) fail("mkdir `" + m.path + "`: exists and is not a directory");
      return;
    }
    if (!m.make_parents && !fs::exists(dir.parent_path()))
      fail("mkdir `" + m.path + "`: parent directory does not exist");
    make_parents(dest_root_, dir, static_cast<mode_t>(m.mode), owner.uid.value_or(0), owner.gid.value_or(0));
  }

  void apply_one(const llb::FileMkfile& m) {
    Owner owner = resolve_chown(dest_root_, m.chown);
    fs::path file = resolve_in_root(dest_root_, m.path);
    make_parents(dest_root_, file.parent_path(), 0755, 0, 0);
    write_file_atomic(file, m.data);
    ::chmod(file.c_str(), static_cast<mode_t>(m.mode));
    if (::lchown(file.c_str(), owner.uid.value_or(0), owner.gid.value_or(0)) != 0)
      throw chown_error(file.string(), owner.uid.value_or(0), owner.gid.value_or(0), errno);
  }

  void apply_one(const llb::FileRm& r) {
    std::vector<fs::path> victims;
    if (r.allow_wildcard && has_wildcard(r.path)) {
      for (const auto& rel : cache::SourceTree(dest_root_).glob(r.path)) victims.push_back(dest_root_ / rel);
    } else if (fs::path p = resolve_in_root(dest_root_, r.path, false); fs::exists(fs::symlink_status(p))) {
      victims.push_back(p);
    }
    if (victims.empty() && !r.allow_not_found) fail("rm `" + r.path + "`: no such file or directory");
    for (const auto& v : victims) fs::remove_all(v);
  }

  void apply_one(const llb::FileSymlink& s) {
    fs::path link = resolve_in_root(dest_root_, s.path, false);
    make_parents(dest_root_, link.parent_path(), 0755, 0, 0);
    std::error_code ec;
    fs::remove(link, ec);
    if (::symlink(s.target.c_str(), link.c_str()) != 0) throw_errno("symlink `" + s.path + "`");
  }

  const OpContext& ctx_;
  const llb::Node& node_;
  const std::vector<const Result*>& inputs_;
  fs::path dest_root_;
  std::map<int, SourceView> sources_;
};

}  // namespace

Result run_file_op(const OpContext& ctx, const llb::Node& node,
                   const std::vector<const Result*>& inputs) {
  const auto& op = std::get<llb::FileOp>(node.op);
  const Result* dest = op.dest_input >= 0 && op.dest_input < static_cast<int>(inputs.size())
                           ? inputs[static_cast<std::size_t>(op.dest_input)]
                           : nullptr;
  if (dest && dest->host_dir) throw Error(node.meta.location + ": cannot write into a local directory");
  std::vector<std::string> base = dest ? dest->layers : std::vector<std::string>{};

  auto staging = ctx.store.snapshots().prepare();
  {
    OverlayMount merged(ctx.scratch, top_first_dirs(ctx.store, base), staging.fs(), staging.work());
    FileOpApplier applier(ctx, node, inputs, merged.path());
    try {
      for (const auto& action : op.actions) applier.apply(action);
    } catch (const Error& e) {
      // Errors from below name a host path; the user needs the Dockerfile line too.
      if (std::string_view(e.what()).starts_with(node.meta.location + ":")) throw;
      throw Error(node.meta.location + ": " + e.what());
    }
  }
  Result out;
  out.layers = std::move(base);
  out.layers.push_back(staging.commit());
  return out;
}

}  // namespace gantry::solver

#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <memory>

#include "base/error.h"
#include "base/file_util.h"
#include "solver/file_copier.h"
#include "solver/op_runners.h"
#include "solver/overlay_mount.h"
#include "solver/rootfs_paths.h"

namespace gantry::solver {

namespace fs = std::filesystem;

namespace {

bool has_wildcard(std::string_view s) { return s.find_first_of("*?[") != std::string_view::npos; }

std::string strip_root(std::string_view p) {
  while (!p.empty() && p.front() == '/') p.remove_prefix(1);
  return std::string(p);
}

// A source that file ops read from: a host directory (the build context) or a mounted layer
// stack, with the owner its files get when no --chown is given.
struct SourceView {
  fs::path root;
  cache::ExcludePredicate excluded;
  bool from_context = false;
  std::unique_ptr<OverlayMount> mount;
};

// mkdir -p inside a mounted root, giving new directories `mode` and the owner.
void make_parents(const fs::path& root, const fs::path& host_dir, mode_t mode, uid_t uid, gid_t gid) {
  std::vector<fs::path> missing;
  for (fs::path p = host_dir; p != root && !fs::exists(p); p = p.parent_path()) missing.push_back(p);
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (::mkdir(it->c_str(), mode) != 0 && errno != EEXIST) throw_errno("mkdir `" + it->string() + "`");
    ::chmod(it->c_str(), mode);
    if (::lchown(it->c_str(), uid, gid) != 0) throw_errno("chown `" + it->string() + "`");
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
    if (!view.root.empty()) return view;
    const Result* in = index >= 0 && index < static_cast<int>(inputs_.size())
                           ? inputs_[static_cast<std::size_t>(index)]
                           : nullptr;
    if (in && in->host_dir) {
      view.root = *in->host_dir;
      view.from_context = true;
      const auto* src = std::get_if<llb::SourceOp>(&node_.inputs[static_cast<std::size_t>(index)].node->op);
      std::string name = src ? src->identifier.substr(std::string_view("local://").size()) : "";
      if (auto it = ctx_.options.local_dirs.find(name); it != ctx_.options.local_dirs.end())
        view.excluded = it->second.excluded;
    } else {
      view.mount = std::make_unique<OverlayMount>(
          ctx_.scratch, in ? top_first_dirs(ctx_.store, in->layers) : std::vector<fs::path>{});
      view.root = view.mount->path();
    }
    return view;
  }

  void apply_one(const llb::FileCopy& c) {
    SourceView& src = source(c.src_input);
    Owner owner = resolve_chown(dest_root_, c.chown);
    if (!owner.uid && src.from_context) owner = {0, 0};
    FileCopier copier(src.root, src.excluded, {owner.uid, owner.gid, c.mode});

    std::vector<std::string> matches;
    if (c.allow_wildcard && has_wildcard(c.src)) {
      matches = cache::glob_paths(src.root, c.src, src.excluded);
      if (matches.empty() && !c.allow_empty_wildcard)
        fail("COPY failed: no source files were specified: `" + c.src + "` matched nothing");
    } else {
      fs::path resolved = src.from_context ? src.root / strip_root(c.src)
                                           : resolve_in_root(src.root, c.src, c.follow_symlinks);
      std::string rel = resolved.lexically_relative(src.root).string();
      if (rel == ".") rel.clear();
      struct stat st;
      if (::lstat(resolved.c_str(), &st) != 0 || (src.excluded && !rel.empty() && src.excluded(rel)))
        fail(src.from_context ? "COPY failed: `" + strip_root(c.src) +
                                    "` not found in the build context (or excluded by .dockerignore)"
                              : "COPY failed: `" + c.src + "` not found in the source image or stage");
      matches.push_back(rel);
    }

    const bool dest_is_dir_hint = c.dest.ends_with('/') || matches.size() > 1 || has_wildcard(c.src);
    const fs::path dest = resolve_in_root(dest_root_, c.dest);
    const uid_t parent_uid = owner.uid.value_or(0);
    const gid_t parent_gid = owner.gid.value_or(0);
    for (const auto& rel : matches) {
      fs::path src_path = rel.empty() ? src.root : src.root / rel;
      struct stat st;
      if (::stat(src_path.c_str(), &st) != 0) throw_errno("COPY `" + rel + "`");
      std::string real_rel = rel;
      if (c.follow_symlinks && !src.from_context)
        real_rel = resolve_in_root(src.root, "/" + rel).lexically_relative(src.root).string();
      if (real_rel == ".") real_rel.clear();
      if (S_ISDIR(st.st_mode) && c.copy_dir_contents) {
        make_parents(dest_root_, dest, 0755, parent_uid, parent_gid);
        if (!fs::is_directory(dest)) fail("COPY failed: `" + c.dest + "` exists and is not a directory");
        copier.copy_contents(real_rel, dest);
        continue;
      }
      fs::path target = (dest_is_dir_hint || fs::is_directory(dest))
                            ? dest / fs::path(rel.empty() ? src.root : fs::path(rel)).filename()
                            : dest;
      make_parents(dest_root_, target.parent_path(), 0755, parent_uid, parent_gid);
      if (c.unpack_archive && S_ISREG(st.st_mode)) {
        make_parents(dest_root_, dest, 0755, parent_uid, parent_gid);
        if (unpack_archive_into(src_path, dest)) continue;
      }
      copier.copy(real_rel, target);
    }
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
      throw_errno("chown `" + file.string() + "`");
  }

  void apply_one(const llb::FileRm& r) {
    std::vector<fs::path> victims;
    if (r.allow_wildcard && has_wildcard(r.path)) {
      for (const auto& rel : cache::glob_paths(dest_root_, r.path, {})) victims.push_back(dest_root_ / rel);
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

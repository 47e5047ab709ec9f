#include "engine/named_contexts.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <memory>

#include "base/error.h"
#include "base/git_url.h"
#include "base/image_ref.h"
#include "cache/source_tree.h"
#include "engine/registry_images.h"
#include "engine/remote_context.h"
#include "frontend/dockerfile/dockerignore.h"

namespace gantry::engine {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kImageScheme = "docker-image://";
constexpr std::string_view kLayoutScheme = "oci-layout://";

// The .dockerignore of `dir` as exclude rules, looked up inside it (a symlink there cannot lead
// out); none when it has none.
cache::ExcludeRules dockerignore_rules(const fs::path& dir) {
  const cache::SourceTree tree(dir);
  auto found = tree.find(".dockerignore", true);
  if (!found || !S_ISREG(found->st.st_mode)) return {};
  const std::string label = "`" + (dir / ".dockerignore").string() + "`";
  const std::string text = read_fd(tree.open(*found, O_RDONLY).get(), label);
  auto matcher =
      std::make_shared<frontend::DockerignoreMatcher>(frontend::read_dockerignore(text, label));
  if (matcher->empty()) return {};
  return {[matcher](std::string_view p) { return matcher->excluded(p); },
          [matcher](std::string_view d) { return matcher->may_reinclude_below(d); }};
}

}  // namespace

BuildContextSource parse_build_context(const std::string& name, const std::string& value) {
  const std::string flag = "--build-context " + name + "=" + value;
  BuildContextSource source{.value = value};
  if (value.empty()) throw UsageError(flag + ": no context given");
  std::error_code ec;
  if (value.starts_with(kImageScheme)) {
    source.kind = BuildContextSource::Kind::Image;
    source.location = value.substr(kImageScheme.size());
    // scratch is no reference, and stands for the empty filesystem, as in BuildKit.
    if (source.location != "scratch") {
      try {
        (void)ImageRef::parse(source.location);
      } catch (const Error& e) {
        throw UsageError(flag + ": " + e.what());
      }
    }
  } else if (value.starts_with(kLayoutScheme)) {
    source.kind = BuildContextSource::Kind::OciLayout;
    try {
      source.layout = parse_oci_layout_ref(value.substr(kLayoutScheme.size()));
    } catch (const Error& e) {
      throw UsageError(flag + ": " + e.what());
    }
    source.location = source.layout.dir.string();
    if (!fs::is_directory(source.layout.dir))
      throw UsageError(flag + ": `" + source.location + "` is not a directory");
  } else if (fs::is_directory(value, ec)) {
    source.location = value;
  } else if (auto git = parse_git_url(value, GitUrlUse::Context)) {
    source.kind = BuildContextSource::Kind::Git;
    source.location = git->shown();
    source.git = std::move(*git);
  } else if (is_http_url(value)) {
    source.kind = BuildContextSource::Kind::Url;
    source.location = value;
  } else if (value.find("://") != std::string::npos) {
    throw UsageError(flag + ": unsupported context source `" + value.substr(0, value.find("://")) +
                     "` (a directory, docker-image://, oci-layout:// or an http(s) URL)");
  } else {
    throw UsageError(flag + ": `" + value + "` is not a directory");
  }
  return source;
}

NamedContexts::NamedContexts(std::map<std::string, BuildContextSource> sources, cache::Store& store,
                             RegistryAccess registry, PullPolicy pull, Platform platform, Messages& messages,
                             fs::path temp_parent, solver::GitAccess git)
    : sources_(std::move(sources)),
      store_(store),
      registry_(std::move(registry)),
      pull_(pull),
      platform_(std::move(platform)),
      messages_(messages),
      temp_parent_(std::move(temp_parent)),
      git_(std::move(git)) {}

std::set<std::string> NamedContexts::names() const {
  std::set<std::string> out;
  for (const auto& [name, source] : sources_) out.insert(name);
  return out;
}

frontend::NamedContext NamedContexts::resolve(const std::string& name) {
  const auto it = sources_.find(name);
  if (it == sources_.end()) throw Error("build context `" + name + "` was not given");
  try {
    return resolve_source(name, it->second);
  } catch (const Error& e) {
    throw Error("build context " + name + "=" + it->second.value + ": " + e.what());
  }
}

frontend::NamedContext NamedContexts::resolve_source(const std::string& name,
                                                     const BuildContextSource& source) {
  switch (source.kind) {
    case BuildContextSource::Kind::Directory:
      return directory(name, fs::absolute(source.location), true);
    case BuildContextSource::Kind::Image:
      if (source.location == "scratch") {
        downloads_.emplace_back(temp_parent_, "gantry-scratch-context-");
        return directory(name, downloads_.back().path(), false);
      }
      return {.image = resolve_or_pull_image(store_, source.location, registry_, pull_, platform_, messages_)};
    case BuildContextSource::Kind::OciLayout:
      return {.image = import_oci_layout_image(store_, source.layout, name)};
    case BuildContextSource::Kind::Url: {
      RemoteContext remote = fetch_remote_context(source.location, temp_parent_);
      downloads_.push_back(std::move(remote.dir));
      // A tarball is a context like any other; its own .dockerignore is no user's choice made
      // on disk, and BuildKit applies none to a URL.
      return directory(name, downloads_.back().path(), false);
    }
    case BuildContextSource::Kind::Git: {
      const solver::GitCheckoutSpec spec{.url = source.git,
                                         .keep_git_dir = source.git.keep_git_dir.value_or(false),
                                         .submodules = source.git.submodules.value_or(true)};
      const std::string commit = solver::resolve_git_commit(source.git, git_);
      const std::string checkout = solver::git_checkout(store_, spec, commit, git_);
      // BuildKit applies no .dockerignore to a Git context but the build's own.
      return directory(name, fs::absolute(store_.snapshots().dir(checkout)), false);
    }
  }
  throw Error("unknown kind of build context");
}

frontend::NamedContext NamedContexts::directory(const std::string& name, const fs::path& dir,
                                                bool ignore_file) {
  if (!fs::is_directory(dir)) throw Error("`" + dir.string() + "` is not a directory");
  // Apart from the build context's "context", whatever the name.
  const std::string local = "context:" + name;
  local_dirs_[local] = {dir, ignore_file ? dockerignore_rules(dir) : cache::ExcludeRules{}};
  return {.local_source = local};
}

}  // namespace gantry::engine

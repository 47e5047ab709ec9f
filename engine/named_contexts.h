// --build-context NAME=VALUE, as buildx takes it: the contexts a Dockerfile's FROM, COPY --from
// and RUN --mount=from name besides the build context (frontend.h says how names match).
//
//   VALUE  a directory (relative to the working directory), honouring its own .dockerignore
//          | docker-image://REF       an image, found as FROM finds one (the store, or a pull)
//          | oci-layout://PATH[:TAG][@sha256:DIGEST]   an image in an OCI layout directory
//          | http(s)://URL            a tarball, unpacked (remote_context.h); any other body is
//                                     the single file `context`, as BuildKit has it
//          | a Git URL (base/git_url.h: URL#ref:subdir or ?ref=&subdir=)   the commit's
//                                     checkout (solver/git_source.h: cached by commit)
// A directory that exists is a directory, even when its name reads as a Git URL.
//
// parse_build_context checks a value when the request is made; a NamedContexts resolves each
// context when the frontend first uses it (an unused image is never pulled, an unused URL never
// fetched) and owns what it downloaded until it goes away, after the solve.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/file_util.h"
#include "base/git_url.h"
#include "base/platform.h"
#include "cache/store.h"
#include "engine/messages.h"
#include "engine/oci_layout_image.h"
#include "engine/pull_policy.h"
#include "engine/registry_access.h"
#include "frontend/dockerfile/frontend.h"
#include "solver/git_source.h"
#include "solver/solver.h"

namespace gantry::engine {

struct BuildContextSource {
  enum class Kind { Directory, Image, OciLayout, Url, Git };
  Kind kind = Kind::Directory;
  std::string value;     // as given: the directory, docker-image://REF, oci-layout://..., the URL
  std::string location;  // the directory, the image reference or the URL
  OciLayoutRef layout;   // Kind::OciLayout
  GitUrl git;            // Kind::Git
};

// Throws UsageError "--build-context NAME=VALUE: ..." for an unknown scheme, a directory that is
// not there, a bad image reference, OCI layout reference or Git URL.
BuildContextSource parse_build_context(const std::string& name, const std::string& value);

class NamedContexts {
 public:
  // `sources` by name (as named_context_key gives it); `temp_parent` is where downloads go;
  // `git` is how Git contexts reach their remotes.
  // A docker-image:// context is resolved (and pulled) for `platform`, the build's target.
  NamedContexts(std::map<std::string, BuildContextSource> sources, cache::Store& store,
                RegistryAccess registry, PullPolicy pull, Platform platform, Messages& messages,
                std::filesystem::path temp_parent, solver::GitAccess git);

  std::set<std::string> names() const;
  // What `name` stands for; throws Error "build context NAME: ..." when it cannot be had.
  frontend::NamedContext resolve(const std::string& name);
  // The directories resolve() gave so far, under the local source names it gave them: for the
  // solver's local_dirs.
  const std::map<std::string, solver::LocalDir>& local_dirs() const { return local_dirs_; }

 private:
  frontend::NamedContext resolve_source(const std::string& name, const BuildContextSource& source);
  // The directory `dir` as the local source of `name`, its .dockerignore applied when
  // `ignore_file`.
  frontend::NamedContext directory(const std::string& name, const std::filesystem::path& dir,
                                   bool ignore_file);

  std::map<std::string, BuildContextSource> sources_;
  cache::Store& store_;
  RegistryAccess registry_;
  PullPolicy pull_;
  Platform platform_;
  Messages& messages_;
  std::filesystem::path temp_parent_;
  solver::GitAccess git_;
  std::vector<TempDir> downloads_;
  std::map<std::string, solver::LocalDir> local_dirs_;
};

}  // namespace gantry::engine

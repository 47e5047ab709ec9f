// Git sources (ADD <git url>, a Git build context): a repository at a ref, checked out into a
// snapshot with the git program (Debian's `git`).
//
//   std::string commit = resolve_git_commit(spec.url, access);      // git ls-remote, no fetch
//   Digest key = git_checkout_key(commit, spec);                     // the cache key
//   std::string snapshot = git_checkout(store, spec, commit, access); // cached by key
//
// The commit a ref names is asked of the remote first and is the cache key (with the subdir
// and whether .git is kept, as BuildKit keys it), so an unchanged commit is found in the build
// cache without fetching. Otherwise only that commit is fetched (--depth 1) into a scratch
// repository, checked out (submodules too, recursively, unless told not to) into a staging
// snapshot, which is committed and recorded under the key only once it is complete: a failure
// leaves neither a snapshot nor a record behind.
//
// git runs with no user or system configuration, never prompts, and is given what the build was
// given: an ssh agent's socket for ssh remotes (host keys are not checked, as BuildKit does
// without known hosts) and an Authorization header for http(s) remotes.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "base/digest.h"
#include "base/git_url.h"
#include "cache/store.h"

namespace gantry::solver {

struct GitAccess {
  std::filesystem::path ssh_agent;  // the agent socket git's ssh uses ("" = none)
  // The Authorization header for an http(s) remote on `host` ("" = none).
  std::function<std::string(const std::string& host)> http_authorization;
};

struct GitCheckoutSpec {
  GitUrl url;
  bool keep_git_dir = false;  // kept only when the whole repository is checked out, as BuildKit
  bool submodules = true;
};

// The commit `url.ref` names on the remote (the default branch's when empty; a full commit as
// it is), checked against url.checksum. Throws Error "`<url>`: <what is wrong>" when the remote
// cannot be read, has no such ref, or the checksum does not match.
std::string resolve_git_commit(const GitUrl& url, const GitAccess& access);

// The cache key of the checkout of `commit` as `spec` asks for it.
Digest git_checkout_key(const std::string& commit, const GitCheckoutSpec& spec);

// The snapshot holding the checkout of `commit` (of url.subdir's content when there is one):
// the build cache's when recorded under git_checkout_key, else fetched, checked out and
// recorded. Throws Error "`<url>`: <what is wrong>" (no such directory at that commit, a fetch
// or submodule failure).
std::string git_checkout(cache::Store& store, const GitCheckoutSpec& spec, const std::string& commit,
                         const GitAccess& access);

}  // namespace gantry::solver

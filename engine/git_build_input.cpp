#include "engine/git_build_input.h"

#include <algorithm>

#include "base/base64.h"
#include "base/error.h"

namespace gantry::engine {

namespace fs = std::filesystem;

solver::GitAccess git_access(const RegistryAccess& registry, const fs::path& ssh_agent) {
  return {.ssh_agent = ssh_agent, .http_authorization = [credentials = registry.credentials](const std::string& host) {
            const auto found = credentials.find(host);
            // An identity token is an OAuth2 refresh token for a registry's token server: no use to git.
            if (!found || found->username.empty() || !found->identity_token.empty()) return std::string();
            return "Basic " + base64_encode(found->username + ":" + found->password);
          }};
}

BuildInput resolve_git_build_input(cache::Store& store, const GitUrl& url, const std::string& file, std::istream& in,
                                   const solver::GitAccess& access, bool keep_git_dir) {
  const solver::GitCheckoutSpec spec{.url = url, .keep_git_dir = keep_git_dir,
                                     .submodules = url.submodules.value_or(true)};
  const std::string commit = solver::resolve_git_commit(url, access);
  const fs::path checkout = fs::absolute(store.snapshots().dir(solver::git_checkout(store, spec, commit, access)));
  const std::string named = file.empty() ? "Dockerfile" : file;
  if (file != "-" && !fs::is_regular_file(checkout / named))
    throw Error("`" + url.shown() + "`: no file `" + named + "` in the repository at commit " + commit);
  std::string dockerfile = file;
  if (!file.empty() && file != "-") {
    // A file of the repository: a symlink there must not lead to the host's files.
    const fs::path inside = fs::weakly_canonical(checkout / file);
    const fs::path root = fs::canonical(checkout);
    const auto [end, _] = std::mismatch(root.begin(), root.end(), inside.begin(), inside.end());
    if (end != root.end()) throw UsageError("-f `" + file + "`: not a file inside `" + url.shown() + "`");
    dockerfile = inside.string();
  }
  BuildInput input = resolve_build_input(checkout.string(), dockerfile, in);
  input.dockerfile_name = fs::path(file.empty() || file == "-" ? "Dockerfile" : file).filename().string();
  input.identity = url.shown() + "|" + file;
  return input;
}

}  // namespace gantry::engine

#include "solver/git_source.h"

#include <fcntl.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <vector>

#include "base/child_process.h"
#include "base/error.h"
#include "base/file_util.h"
#include "solver/result_cache.h"

namespace gantry::solver {

namespace fs = std::filesystem;

namespace {

// What git may print before it counts as runaway (ls-remote of a repository with many refs
// prints a line per ref).
constexpr std::size_t kMaxOutput = 64 << 20;

bool is_full_commit(const std::string& ref) {
  return (ref.size() == 40 || ref.size() == 64) &&
         std::all_of(ref.begin(), ref.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) && !std::isupper(static_cast<unsigned char>(c)); });
}

// What git's stderr says went wrong, on one line: from its last "fatal:" or "error:" line on
// (git continues a message on the next line: "unable to connect to h:" then the errno), else its
// last line.
std::string cause_of(const std::string& err) {
  std::vector<std::string> lines;
  std::size_t start = 0, from = std::string::npos;
  while (start < err.size()) {
    std::size_t end = err.find('\n', start);
    if (end == std::string::npos) end = err.size();
    std::string line = err.substr(start, end - start);
    start = end + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty()) continue;
    if (line.starts_with("fatal:") || line.starts_with("error:")) from = lines.size();
    lines.push_back(line);
  }
  if (lines.empty()) return "no message";
  if (from == std::string::npos) return lines.back();
  std::string cause;
  for (std::size_t i = from; i < lines.size(); ++i) cause += (cause.empty() ? "" : " ") + lines[i];
  return cause;
}

// A subdir as a relative path inside the repository ("" = its root).
std::string clean_subdir(const GitUrl& url) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  const std::string& s = url.subdir;
  while (start <= s.size()) {
    std::size_t slash = s.find('/', start);
    if (slash == std::string::npos) slash = s.size();
    const std::string part = s.substr(start, slash - start);
    start = slash + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") throw UsageError("`" + url.shown() + "`: subdir `" + s + "` leaves the repository");
    parts.push_back(part);
  }
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "/") + p;
  return out;
}

// Runs git for one remote with the build's access and no configuration of the host's.
class GitCommand {
 public:
  GitCommand(const GitUrl& url, const GitAccess& access)
      : what_("`" + url.shown() + "`"), git_(find_program("git", what_, "install git")) {
    env_ = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
            "GIT_CONFIG_GLOBAL=/dev/null", "GIT_TERMINAL_PROMPT=0", "GIT_ASKPASS=/bin/false",
            "LC_ALL=C",
            "GIT_SSH_COMMAND=ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=no "
            "-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"};
    if (!access.ssh_agent.empty()) env_.push_back("SSH_AUTH_SOCK=" + access.ssh_agent.string());
    if (url.http && access.http_authorization) {
      // In the environment, where other users cannot read it (a -c argument they could), and
      // for this remote's URL only: a submodule elsewhere is not sent it.
      if (const std::string header = access.http_authorization(url.host); !header.empty()) {
        env_.push_back("GIT_CONFIG_COUNT=1");
        env_.push_back("GIT_CONFIG_KEY_0=http." + url.remote + ".extraHeader");
        env_.push_back("GIT_CONFIG_VALUE_0=Authorization: " + header);
      }
    }
  }

  const std::string& what() const { return what_; }

  // git `args`; its standard output. Throws Error "<url>: <doing>: <git's cause>" when it fails.
  std::string run(const std::vector<std::string>& args, const std::string& doing) const {
    std::vector<std::string> argv = {"git", "-c", "protocol.file.allow=user", "-c", "advice.detachedHead=false"};
    argv.insert(argv.end(), args.begin(), args.end());
    UniqueFd null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!null) throw_errno(what_ + ": open `/dev/null`");
    Pipe out = make_pipe(what_), err = make_pipe(what_);
    Child child(spawn_program(git_, argv, env_, null.get(), out.write.get(), err.write.get(), what_));
    out.write.reset();
    err.write.reset();
    const ChildOutput said = drain(std::move(out.read), std::move(err.read), kMaxOutput, what_ + ": git");
    if (child.wait() != 0) throw Error(what_ + ": " + doing + ": " + cause_of(said.err));
    return said.out;
  }

 private:
  std::string what_;
  fs::path git_;
  std::vector<std::string> env_;
};

struct RemoteRef {
  std::string name, object;
};

std::vector<RemoteRef> parse_ls_remote(const std::string& out) {
  std::vector<RemoteRef> refs;
  std::size_t start = 0;
  while (start < out.size()) {
    std::size_t end = out.find('\n', start);
    if (end == std::string::npos) end = out.size();
    const std::string line = out.substr(start, end - start);
    start = end + 1;
    const std::size_t tab = line.find('\t');
    if (tab == std::string::npos || line.starts_with("ref:")) continue;
    refs.push_back({line.substr(tab + 1), line.substr(0, tab)});
  }
  return refs;
}

// The ref `wanted` names among `refs`, as git resolves a short name: the exact name, then a
// branch, then a tag, then any ref ending in /<wanted>. An annotated tag gives its commit
// (the ^{} line) and the tag object both.
struct Resolved {
  std::string commit, tag_object;
};

std::optional<Resolved> pick(const std::vector<RemoteRef>& refs, const std::string& wanted) {
  auto find = [&](const std::string& name) -> const RemoteRef* {
    for (const auto& r : refs)
      if (r.name == name) return &r;
    return nullptr;
  };
  std::vector<std::string> names = {wanted, "refs/heads/" + wanted, "refs/tags/" + wanted};
  for (const auto& r : refs)
    if (r.name.ends_with("/" + wanted)) names.push_back(r.name);
  for (const auto& name : names)
    if (const RemoteRef* r = find(name)) {
      if (const RemoteRef* peeled = find(name + "^{}")) return Resolved{peeled->object, r->object};
      return Resolved{r->object, ""};
    }
  return std::nullopt;
}

void check_checksum(const GitUrl& url, const Resolved& resolved) {
  if (url.checksum.empty()) return;
  std::string want = url.checksum;
  std::transform(want.begin(), want.end(), want.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!std::all_of(want.begin(), want.end(), [](unsigned char c) { return std::isxdigit(c); }))
    throw UsageError("`" + url.shown() + "`: checksum `" + url.checksum + "` is not a commit's hex digits");
  if (resolved.commit.starts_with(want)) return;
  if (!resolved.tag_object.empty() && resolved.tag_object.starts_with(want)) return;
  throw Error("`" + url.shown() + "`: expected checksum to match " + url.checksum + ", got " +
              (resolved.tag_object.empty() ? "" : resolved.tag_object + " or ") + resolved.commit);
}

// Checked-out submodules have a .git file pointing into the scratch repository: gone with it.
void remove_git_entries(const fs::path& dir) {
  std::vector<fs::path> found;
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it)
    if (it->path().filename() == ".git") {
      found.push_back(it->path());
      it.disable_recursion_pending();
    }
  for (const auto& p : found) fs::remove_all(p);
}

}  // namespace

std::string resolve_git_commit(const GitUrl& url, const GitAccess& access) {
  Resolved resolved;
  if (is_full_commit(url.ref)) {
    resolved.commit = url.ref;
  } else {
    const GitCommand git(url, access);
    const std::string wanted = url.ref.empty() ? "HEAD" : url.ref;
    const std::string out = git.run({"ls-remote", "--", url.remote}, "cannot read the repository");
    auto found = pick(parse_ls_remote(out), wanted);
    if (!found) {
      if (url.ref.empty()) throw Error(git.what() + ": the repository has no default branch (HEAD)");
      throw Error(git.what() + ": no branch, tag or ref `" + url.ref +
                  "` in the repository (a commit must be given in full)");
    }
    resolved = *found;
  }
  check_checksum(url, resolved);
  return resolved.commit;
}

Digest git_checkout_key(const std::string& commit, const GitCheckoutSpec& spec) {
  const std::string subdir = clean_subdir(spec.url);
  const bool keep = spec.keep_git_dir && subdir.empty();
  return sha256_of("git-checkout|" + commit + "|" + subdir + "|" + (keep ? "keep-git-dir" : "") + "|" +
                   (spec.submodules ? "submodules" : ""));
}

std::string git_checkout(cache::Store& store, const GitCheckoutSpec& spec, const std::string& commit,
                         const GitAccess& access) {
  const Digest key = git_checkout_key(commit, spec);
  ResultCache results(store);
  if (auto hit = results.find(key); hit && hit->layers.size() == 1) {
    results.mark_used();
    return hit->layers[0];
  }
  const GitCommand git(spec.url, access);
  const std::string subdir = clean_subdir(spec.url);
  const bool keep = spec.keep_git_dir && subdir.empty();
  TempDir scratch = store.scratch_dir();
  auto staging = store.snapshots().prepare();
  const fs::path snapshot_fs = fs::absolute(staging.fs()), scratch_dir = fs::absolute(scratch.path());

  // With .git kept, the snapshot is the repository; else a scratch one that goes afterwards.
  const fs::path work = subdir.empty() ? snapshot_fs : scratch_dir / "checkout";
  const fs::path repo = keep ? snapshot_fs / ".git" : scratch_dir / "repo.git";
  fs::create_directories(work);
  git.run({"init", "-q", "--bare", repo.string()}, "git init");
  const std::vector<std::string> in_repo = {"--git-dir", repo.string(), "--work-tree", work.string()};
  auto run = [&](std::vector<std::string> args, const std::string& doing) {
    args.insert(args.begin(), in_repo.begin(), in_repo.end());
    return git.run(args, doing);
  };
  run({"config", "core.bare", "false"}, "git config");
  run({"remote", "add", "origin", spec.url.remote}, "git remote add");
  run({"fetch", "-q", "--depth", "1", "--no-tags", "origin", commit}, "cannot fetch commit " + commit);
  if (!subdir.empty()) {
    std::string type;
    try {
      type = run({"cat-file", "-t", commit + ":" + subdir}, "no subdir");
    } catch (const Error&) {
    }
    if (type != "tree\n")
      throw Error(git.what() + ": no directory `" + subdir + "` in the repository at commit " + commit);
  }
  run({"-C", work.string(), "checkout", "-q", "--detach", commit}, "cannot check out commit " + commit);
  if (spec.submodules && fs::exists(work / ".gitmodules"))
    run({"-C", work.string(), "submodule", "update", "-q", "--init", "--recursive", "--depth", "1"},
        "cannot fetch its submodules");
  if (keep) {
    // What stays in the image: no credentials in the remote, no trace of the fetch.
    run({"remote", "set-url", "origin", without_credentials(spec.url.remote)}, "git remote set-url");
    run({"reflog", "expire", "--all", "--expire=now"}, "git reflog expire");
    fs::remove(repo / "FETCH_HEAD");
  } else {
    remove_git_entries(work);
    if (!subdir.empty()) {
      fs::remove(snapshot_fs);
      fs::rename(work / subdir, snapshot_fs);
    }
  }
  const std::string id = staging.commit();
  results.record_snapshot(id);
  return results.record(key, Result{.layers = {id}}).layers.at(0);
}

}  // namespace gantry::solver

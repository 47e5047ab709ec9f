// The build graph: immutable, content-addressed operations, as BuildKit's LLB.
//
// A Node is one operation (a source, an exec, a file op or a merge) with its inputs, which are
// Outputs of other nodes. Nodes are immutable and shared: building a graph means making new
// nodes that point at existing ones, e.g.
//
//   auto base = llb::image("docker-image://busybox@sha256:...");
//   auto run  = llb::exec(ExecOp{.args = {"/bin/sh", "-c", "echo hi > /x"}, ...}, {base});
//
// Each node's digest is the SHA-256 of a canonical JSON encoding of its op and its inputs'
// digests, so the same Dockerfile, args and context give the same digests. Metadata such as the
// progress description and the Dockerfile location is not part of the digest.
//
// An Output with a null node is `scratch`: the empty filesystem.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/digest.h"

namespace gantry::llb {

struct Node;

// One result of a node. A null node is scratch.
struct Output {
  std::shared_ptr<const Node> node;
  int index = 0;
  bool is_scratch() const { return node == nullptr; }
};

// ---- source ---------------------------------------------------------------------------------
// identifier forms:
//   "docker-image://<name>@sha256:<hex>"  an image, pinned by its manifest digest
//   "local://<name>"                     a local directory given to the solver (e.g. "context")
//   "https://..." / "http://..."         a remote file (ADD <url>)
//   "git+<remote>"                       a Git repository (ADD <git url>): <remote> as git
//                                        takes it, without fragment or query
// attrs by kind:
//   local: "include" / "exclude" (JSON arrays of .dockerignore-style patterns),
//          "followpaths" (JSON array of the paths the build reads, for checksumming)
//   http:  "checksum" (sha256:...), "filename", "chmod"
//   git:   "ref" (branch, tag, full ref or commit; none: the default branch), "subdir",
//          "checksum" (hex prefix of the commit), "keep-git-dir" ("true"), "submodules" ("false")
inline constexpr const char* kGitSourcePrefix = "git+";

struct SourceOp {
  std::string identifier;
  std::map<std::string, std::string> attrs;
};

// ---- exec -----------------------------------------------------------------------------------
enum class MountType { Bind, Cache, Tmpfs, Secret, Ssh };
enum class CacheSharing { Shared, Private, Locked };
enum class NetworkMode { Default, None, Host };  // Default: whatever the build was given
enum class SecurityMode { Sandbox, Insecure };

struct Mount {
  int input = -1;        // index into the node's inputs; -1 = scratch
  std::string selector;  // path inside the input to mount (bind `source=`), "" = its root
  std::string dest;      // path inside the container
  int output = -1;       // >= 0: this mount's writes are node output `output` (the root mount)
  bool readonly = false;
  MountType type = MountType::Bind;
  // type=cache
  std::string cache_id;
  CacheSharing sharing = CacheSharing::Shared;
  // type=tmpfs
  std::int64_t tmpfs_size = 0;  // bytes, 0 = default
  // type=secret and type=ssh: the id of the secret or agent socket ("default" for ssh)
  std::string secret_id;
  bool required = false;
  // type=cache, secret, ssh: ownership and mode of the mount point or file
  std::optional<std::uint32_t> uid, gid, mode;
};

// Secrets exposed as environment variables (RUN --mount=type=secret,id=x,env=NAME).
struct SecretEnv {
  std::string name;
  std::string secret_id;
  bool required = false;
};

struct ExecOp {
  std::vector<std::string> args;  // argv, already resolved against SHELL for the shell form
  std::vector<std::string> env;   // KEY=VALUE
  std::string cwd = "/";
  std::string user;  // "name", "uid", "name:group", "uid:gid"; "" = root
  std::string hostname;
  NetworkMode network = NetworkMode::Default;
  SecurityMode security = SecurityMode::Sandbox;
  std::vector<Mount> mounts;  // mounts[0] is "/" with output 0
  std::vector<SecretEnv> secret_env;
  // The platform the step's programs are for ("linux/arm64", as Platform::str() spells it) when
  // it is not the one the build runs on (then under emulation); "" = the build's own.
  std::string platform;
};

// ---- file -----------------------------------------------------------------------------------
// Owner for created files: names or numbers, resolved against the destination's /etc/passwd and
// /etc/group when the op runs.
struct Chown {
  std::string user;
  std::string group;
};

struct FileCopy {
  int src_input = -1;  // index into the node's inputs; -1 = scratch
  std::string src;     // path (may contain wildcards when allow_wildcard)
  std::string dest;    // absolute path in the destination; a trailing '/' means "into this dir"
  std::optional<Chown> chown;
  std::optional<std::uint32_t> mode;
  // A symbolic --chmod ("u+x,g=rx", base/symbolic_mode.h) applied to each copied file's own
  // mode; "" = none. Set instead of `mode`.
  std::string symbolic_mode;
  bool follow_symlinks = true;      // follow a symlink named by src itself
  bool copy_dir_contents = true;    // a directory src copies its contents, not itself
  bool allow_wildcard = true;
  bool allow_empty_wildcard = false;
  bool create_dest_path = true;
  bool unpack_archive = false;      // ADD: a local tar archive is extracted at dest
  // COPY --parents: src is the directory whose contents are filtered by include_patterns
  // (.dockerignore-style, relative to src): what they match is copied with the directories
  // that lead to it. A pattern without wildcards must match something.
  bool parents = false;
  std::vector<std::string> include_patterns;
  // COPY/ADD --exclude: .dockerignore-style patterns, relative to each source copied (so
  // they match what is below a directory source, never the named source itself).
  std::vector<std::string> exclude_patterns;
};

struct FileMkdir {
  std::string path;
  std::uint32_t mode = 0755;
  bool make_parents = true;
  std::optional<Chown> chown;
};

struct FileMkfile {
  std::string path;
  std::uint32_t mode = 0644;
  std::string data;
  std::optional<Chown> chown;
};

struct FileRm {
  std::string path;
  bool allow_not_found = false;
  bool allow_wildcard = false;
};

struct FileSymlink {
  std::string target;  // what the link points at
  std::string path;    // where the link is made
};

using FileAction = std::variant<FileCopy, FileMkdir, FileMkfile, FileRm, FileSymlink>;

// Applies `actions`, in order, to the filesystem of input `dest_input` (-1 = scratch); the
// result is output 0.
struct FileOp {
  int dest_input = -1;
  std::vector<FileAction> actions;
};

// ---- merge ----------------------------------------------------------------------------------
// The inputs' filesystems layered in order (later ones on top); output 0.
struct MergeOp {};

using Op = std::variant<SourceOp, ExecOp, FileOp, MergeOp>;

// Not part of the digest: what the progress display shows and where errors point.
struct OpMetadata {
  std::string description;  // e.g. "[build 3/5] RUN make"
  std::string location;     // e.g. "Dockerfile:12"
  bool ignore_cache = false;  // --no-cache / --no-cache-filter
};

struct Node {
  Op op;
  std::vector<Output> inputs;
  OpMetadata meta;
  Digest digest;  // of op + inputs; computed by make_node()
};

// Builds a node and computes its digest.
std::shared_ptr<const Node> make_node(Op op, std::vector<Output> inputs, OpMetadata meta = {});

// Conveniences that return output 0 of a new node.
Output source(SourceOp op, OpMetadata meta = {});
Output exec(ExecOp op, std::vector<Output> inputs, OpMetadata meta = {});
Output file(FileOp op, std::vector<Output> inputs, OpMetadata meta = {});
Output merge(std::vector<Output> inputs, OpMetadata meta = {});

// The canonical encoding whose SHA-256 is the node's digest.
std::string canonical_encoding(const Op& op, const std::vector<Output>& inputs);

}  // namespace gantry::llb

#include "engine/build_input.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <iterator>

#include "base/error.h"
#include "base/git_url.h"
#include "cache/source_tree.h"
#include "engine/remote_context.h"
#include "exporter/libarchive_handle.h"
#include "exporter/tar_extractor.h"

namespace gantry::engine {

namespace fs = std::filesystem;

namespace {

std::string read_all(std::istream& in) {
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A tar (ustar magic at 257) or a gzip or zstd stream: what docker treats as a context archive.
bool looks_like_archive(const std::string& bytes) {
  if (bytes.starts_with("\x1f\x8b") || bytes.starts_with("\x28\xb5\x2f\xfd")) return true;
  return bytes.size() > 262 && bytes.compare(257, 5, "ustar") == 0;
}

TempDir fresh_context_dir() { return TempDir(fs::temp_directory_path(), "gantry-context-"); }

TempDir unpack_context(const fs::path& tarball, const std::string& label) {
  TempDir dir = fresh_context_dir();
  auto reader = exporter::open_tar_reader(tarball, label);
  exporter::extract_tar(reader.get(), dir.path(), label);
  return dir;
}

// The regular file `name` in `dir`, looked up inside `dir` as BuildKit looks the Dockerfile and
// the .dockerignore up: a symlink there cannot lead out of `dir` (an untrusted checkout or
// tarball could name the host's files). Nothing when it is not there.
std::optional<std::string> read_inside(const fs::path& dir, const std::string& name) {
  if (!fs::is_directory(dir)) return std::nullopt;
  const cache::SourceTree tree(dir);
  auto found = tree.find(name, true);
  if (!found || !S_ISREG(found->st.st_mode)) return std::nullopt;
  return read_fd(tree.open(*found, O_RDONLY).get(), "`" + (dir / name).string() + "`");
}

}  // namespace

BuildInput resolve_build_input(const std::string& path, const std::string& file, std::istream& in) {
  if (path == "-" && file == "-") throw UsageError("PATH and -f cannot both be `-` (stdin is read once)");
  BuildInput input;
  std::optional<std::string> stdin_dockerfile;
  if (path == "-") {
    std::string bytes = read_all(in);
    if (looks_like_archive(bytes)) {
      TempDir spool = fresh_context_dir();
      write_file_atomic(spool.path() / "context.tar", bytes);
      input.unpacked.emplace(unpack_context(spool.path() / "context.tar", "context from stdin"));
    } else {
      stdin_dockerfile = std::move(bytes);
      input.unpacked.emplace(fresh_context_dir());  // no context: COPY finds nothing
    }
    input.context = input.unpacked->path();
    input.identity = "stdin";
  } else if (is_http_url(path) && !parse_git_url(path, GitUrlUse::Context)) {
    RemoteContext remote = fetch_remote_context(path, fs::temp_directory_path());
    if (!remote.unpacked) {
      // Not an archive: the Dockerfile itself (docker's rule), and no context.
      if (!file.empty())
        throw UsageError("-f " + file + ": `" + path +
                         "` is a Dockerfile, not a context archive to find it in");
      const fs::path body = remote.dir.path() / "context";
      // Held whole to be parsed: a URL (a daemon request's remote=) must not make gantry
      // allocate as much as a context archive may be.
      constexpr std::uintmax_t kMaxRemoteDockerfileBytes = 64 << 20;
      if (fs::file_size(body) > kMaxRemoteDockerfileBytes)
        throw Error("`" + path + "`: not a context archive, and over 64 MiB for a Dockerfile");
      stdin_dockerfile = read_file(body);
      fs::remove(body);
    }
    input.unpacked.emplace(std::move(remote.dir));
    input.context = input.unpacked->path();
    input.identity = path;
  } else if (fs::is_directory(path)) {
    input.context = path;
    input.identity = fs::absolute(path).string();
  } else if (fs::is_regular_file(path)) {
    input.unpacked.emplace(unpack_context(path, "context `" + path + "`"));
    input.context = input.unpacked->path();
    input.identity = fs::absolute(path).string();
  } else {
    throw Error("unable to prepare context: path `" + path + "` not found");
  }

  if (file == "-") stdin_dockerfile = read_all(in);
  if (stdin_dockerfile) {
    input.dockerfile_name = "Dockerfile";
    input.dockerfile = std::move(*stdin_dockerfile);
    input.dockerignore = read_inside(input.context, ".dockerignore");
    input.identity += "|stdin";
    return input;
  }
  // The directory the Dockerfile is looked up in, and its path there: the context, or the
  // directory of -f (inside a tarball context: a path in it).
  const bool in_context = file.empty() || (input.unpacked && fs::path(file).is_relative());
  const fs::path dockerfile = file.empty() ? input.context / "Dockerfile"
                              : in_context ? input.context / file
                                           : fs::path(file);
  const fs::path dockerfile_dir = in_context ? input.context : dockerfile.parent_path();
  const std::string dockerfile_path = in_context ? (file.empty() ? "Dockerfile" : file)
                                                 : dockerfile.filename().string();
  auto text = read_inside(dockerfile_dir.empty() ? "." : dockerfile_dir, dockerfile_path);
  if (!text) throw Error("Dockerfile `" + dockerfile.string() + "`: no such file");
  input.dockerfile_name = dockerfile.filename().string();
  input.dockerfile = std::move(*text);
  // <Dockerfile>.dockerignore beside the Dockerfile wins over the context's .dockerignore.
  const std::string beside = dockerfile_path + ".dockerignore";
  input.dockerignore = read_inside(dockerfile_dir.empty() ? "." : dockerfile_dir, beside);
  if (input.dockerignore)
    input.dockerignore_name = fs::path(beside).filename().string();
  else
    input.dockerignore = read_inside(input.context, ".dockerignore");
  input.identity += "|" + (input.unpacked ? file : fs::absolute(dockerfile).string());
  return input;
}

}  // namespace gantry::engine

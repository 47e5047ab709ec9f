#include "tests/e2e/gantry_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sstream>
#include <stdexcept>

extern char** environ;

namespace gantry::e2e {

namespace fs = std::filesystem;

namespace {

// The process environment with `env` laid over it, as posix_spawn wants it.
class Environment {
 public:
  explicit Environment(const std::map<std::string, std::string>& env) {
    std::map<std::string, std::string> merged;
    for (char** e = environ; *e; ++e) {
      std::string kv = *e;
      auto eq = kv.find('=');
      merged[kv.substr(0, eq)] = eq == std::string::npos ? "" : kv.substr(eq + 1);
    }
    for (const auto& [k, v] : env) merged[k] = v;
    for (const auto& [k, v] : merged) strings_.push_back(k + "=" + v);
    for (auto& s : strings_) pointers_.push_back(s.data());
    pointers_.push_back(nullptr);
  }
  char** get() { return pointers_.data(); }

 private:
  std::vector<std::string> strings_;
  std::vector<char*> pointers_;
};

}  // namespace

int spawn_command(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  Environment environment(env);
  std::vector<std::string> argv_copy = argv;
  std::vector<char*> args;
  for (auto& a : argv_copy) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environment.get());
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw std::runtime_error("spawn " + argv[0] + " failed");
  return pid;
}

int wait_for(int pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

Outcome run_command(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                    const fs::path& stdin_path) {
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
  posix_spawn_file_actions_addopen(&fa, 0, stdin_path.c_str(), O_RDONLY, 0);

  Environment environment(env);
  std::vector<char*> args;
  std::vector<std::string> argv_copy = argv;
  for (auto& a : argv_copy) args.push_back(a.data());
  args.push_back(nullptr);

  pid_t pid = 0;
  int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environment.get());
  posix_spawn_file_actions_destroy(&fa);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  Outcome o;
  if (rc != 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    o.err = "spawn " + argv[0] + " failed";
    return o;
  }
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* bufs[2] = {&o.out, &o.err};
  int open_fds = 2;
  char buf[65536];
  while (open_fds > 0) {
    if (::poll(fds, 2, -1) < 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        bufs[i]->append(buf, static_cast<std::size_t>(n));
      } else {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  o.exit_code = wait_for(pid);
  return o;
}

std::string gantry_binary() {
  const char* other = std::getenv("GANTRY_TEST_BINARY");
  return other && *other ? other : GANTRY_BINARY;
}

fs::path source_dir() { return GANTRY_SOURCE_DIR; }
fs::path testdata(const std::string& name) { return source_dir() / "testdata" / name; }
fs::path shared_tools() { return GANTRY_SHARED_TOOLS; }

fs::path busybox_rootfs_tar() {
  const char* dir = std::getenv("GANTRY_FIXTURES");
  fs::path tar = fs::path(dir ? dir : "/var/tmp/gantry-fixtures") / "busybox-rootfs.tar";
  if (!fs::exists(tar)) {
    auto o = run_command({(source_dir() / "scripts/mkrootfs-busybox.sh").string(), tar.string()});
    if (o.exit_code != 0) throw std::runtime_error("mkrootfs-busybox.sh failed: " + o.err);
  }
  return tar;
}

GantryEnv::GantryEnv()
    : dir_(fs::temp_directory_path(), "gantry-e2e-"),
      root_(dir_.path() / "root"),
      scratch_(dir_.path() / "scratch") {
  fs::create_directories(scratch_);
}

Outcome GantryEnv::gantry(std::vector<std::string> args, std::map<std::string, std::string> env) const {
  args.insert(args.begin(), gantry_binary());
  env.emplace("GANTRY_ROOT", root_.string());
  return run_command(args, env);
}

int GantryEnv::spawn(std::vector<std::string> args, std::map<std::string, std::string> env) const {
  args.insert(args.begin(), gantry_binary());
  env.emplace("GANTRY_ROOT", root_.string());
  return spawn_command(args, env);
}

namespace {

// The store's blob of the digest `field` of `image`'s inspect output gives (Id, the config's; or
// Descriptor.digest, the manifest's).
nlohmann::json store_blob(const GantryEnv& env, const std::string& image, const std::string& field) {
  const Outcome o = env.gantry({"inspect", "-f", "{{" + field + "}}", image});
  if (o.exit_code != 0 || o.out.size() < 8) throw std::runtime_error("gantry inspect " + image + " failed: " + o.err);
  const std::string digest = o.out.substr(0, o.out.find('\n'));
  return nlohmann::json::parse(read_file(env.root() / "blobs/sha256" / digest.substr(7)));
}

}  // namespace

nlohmann::json GantryEnv::image_config(const std::string& image) const { return store_blob(*this, image, ".Id"); }

nlohmann::json GantryEnv::image_manifest(const std::string& image) const {
  return store_blob(*this, image, ".Descriptor.digest");
}

void GantryEnv::import_busybox() const {
  // A fixed creation time: every test root gets the very same base image.
  auto o = gantry({"import", busybox_rootfs_tar().string(), "busybox:latest"}, {{"SOURCE_DATE_EPOCH", "0"}});
  if (o.exit_code != 0) throw std::runtime_error("gantry import failed: " + o.err);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace gantry::e2e

// POST /build with `remote=`: the daemon fetches the context itself, a Git repository (over
// smart HTTP, `git http-backend` on loopback) or an http(s) URL's tarball, as dockerd does. The
// docker CLI clones and downloads such contexts on its own side and sends a tarball; the client
// that sends `remote` is docker-py (Debian's python3-docker, what docker-compose 1.29 builds
// with), unmodified, given the URL as its build path.
#include <gtest/gtest.h>
#include <signal.h>

#include "base/file_util.h"
#include "base/scope_guard.h"
#include "tests/e2e/gantry_daemon.h"
#include "tests/e2e/loopback_port.h"

namespace gantry::e2e {
namespace {

namespace fs = std::filesystem;

// Python's CGI server on loopback: `git http-backend` at /cgi-bin/git/<repo>.git (the bare
// repositories under $GIT_PROJECT_ROOT), the other files of the directory as they are.
constexpr const char* kServer = R"(import http.server, os, sys
port, www = int(sys.argv[1]), sys.argv[2]
# The CGI runs as the server's user: git refuses a repository of another owner.
http.server.nobody_uid = os.getuid
os.chdir(www)
http.server.ThreadingHTTPServer(('127.0.0.1', port), http.server.CGIHTTPRequestHandler).serve_forever()
)";

constexpr const char* kDockerPyBuild = R"(import docker, os, sys
client = docker.APIClient(base_url=os.environ['DOCKER_HOST'])
for message in client.build(path=sys.argv[1], tag=sys.argv[2], decode=True):
    if 'error' in message:
        print(message['error'], file=sys.stderr)
        sys.exit(1)
    print(message.get('stream', ''), end='')
)";

Outcome must(std::vector<std::string> argv) {
  Outcome o = run_command(argv, {{"GIT_CONFIG_NOSYSTEM", "1"}, {"GIT_CONFIG_GLOBAL", "/dev/null"}});
  if (o.exit_code != 0) throw std::runtime_error(argv[0] + " failed: " + o.err);
  return o;
}

class DaemonRemoteContext : public ::testing::Test {
 protected:
  void SetUp() override {
    if (run_command({"/usr/bin/python3", "-c", "import docker"}).exit_code != 0)
      GTEST_SKIP() << "python3-docker (docker-py) is not installed";
    env_.import_busybox();
    daemon_.emplace(env_);
    // A repository whose Dockerfile is in sub/, and the same files as a tarball.
    const fs::path work = env_.scratch() / "work", www = env_.scratch() / "www";
    fs::create_directories(work / "sub");
    write_file_atomic(work / "sub/Dockerfile",
                      "FROM busybox\nCOPY note /note\nCMD [\"cat\", \"/note\"]\n");
    write_file_atomic(work / "sub/note", "from-the-remote-context\n");
    must({"git", "init", "-q", "-b", "main", work.string()});
    must({"git", "-C", work.string(), "add", "-A"});
    must({"git", "-C", work.string(), "-c", "user.name=t", "-c", "user.email=t@example.com",
          "commit", "-q", "-m", "one"});
    fs::create_directories(www / "cgi-bin");
    fs::create_directories(env_.scratch() / "srv");
    must({"git", "clone", "-q", "--bare", work.string(),
          (env_.scratch() / "srv/repo.git").string()});
    fs::create_symlink("/usr/lib/git-core/git-http-backend", www / "cgi-bin/git");
    must({"tar", "-C", (work / "sub").string(), "-cf", (www / "ctx.tar").string(), "Dockerfile",
          "note"});
    write_file_atomic(env_.scratch() / "server.py", kServer);
    port_ = free_loopback_port();
    server_ = spawn_command(
        {"python3", (env_.scratch() / "server.py").string(), std::to_string(port_), www.string()},
        {{"GIT_PROJECT_ROOT", (env_.scratch() / "srv").string()}, {"GIT_HTTP_EXPORT_ALL", "1"}});
    ASSERT_TRUE(wait_for_loopback_port(port_)) << "the http server did not start";
  }
  void TearDown() override {
    if (server_ > 0) {
      ::kill(server_, SIGTERM);
      wait_for(server_);
    }
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/" + path;
  }
  // docker-py's build of `context` tagged `tag`: its stream printed, an error exits 1.
  Outcome docker_py_build(const std::string& context, const std::string& tag) {
    return run_command({"/usr/bin/python3", "-c", kDockerPyBuild, context, tag},
                       {{"DOCKER_HOST", "unix://" + daemon_->socket().string()},
                        {"DOCKER_CONFIG", (env_.scratch() / "docker-config").string()}});
  }

  GantryEnv env_;
  std::optional<GantryDaemon> daemon_;
  int port_ = 0, server_ = -1;
};

TEST_F(DaemonRemoteContext, AGitRepositoryAndATarballUrlAreContextsTheDaemonFetches) {
  for (const auto& [context, tag] : {std::pair{url("cgi-bin/git/repo.git#main:sub"), "fromgit"},
                                     std::pair{url("ctx.tar"), "fromtar"}}) {
    const auto built = docker_py_build(context, tag);
    ASSERT_EQ(built.exit_code, 0) << context << ": " << built.out << built.err << daemon_->log();
    EXPECT_NE(built.out.find("Successfully tagged " + std::string(tag) + ":latest"),
              std::string::npos)
        << built.out;
    const auto run = env_.gantry({"run", "--rm", tag});
    EXPECT_EQ(run.out, "from-the-remote-context\n") << tag << ": " << run.err;
  }
}

TEST_F(DaemonRemoteContext, AnUnreachableRemoteFailsTheBuildNamingIt) {
  const std::string missing = url("cgi-bin/git/missing.git");
  const auto built = docker_py_build(missing, "broken");
  EXPECT_NE(built.exit_code, 0);
  EXPECT_NE(built.err.find("build parameter `remote`"), std::string::npos)
      << built.out << built.err;
  EXPECT_NE(built.err.find("missing.git"), std::string::npos) << built.err;
}

}  // namespace
}  // namespace gantry::e2e

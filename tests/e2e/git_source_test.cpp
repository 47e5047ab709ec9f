// Git sources against a real `git daemon` on loopback serving a bare repository the test makes:
// a build context at #ref:subdir, ADD of a repository with and without --keep-git-dir, the
// cache following the commit (not the URL), and the errors for what cannot be had.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>


#include "base/file_util.h"
#include "base/scope_guard.h"
#include "tests/e2e/gantry_runner.h"
#include "tests/e2e/loopback_port.h"

namespace gantry::e2e {

namespace fs = std::filesystem;

namespace {

// Working repositories whose commits are pushed to bare ones (<name>.git) that `git daemon`
// serves.
class GitServer {
 public:
  explicit GitServer(const fs::path& dir) : work_(dir / "work"), served_(dir / "srv") {
    fs::create_directories(work_);
    fs::create_directories(served_);
    port_ = free_loopback_port();
    daemon_ = spawn_command({"git", "daemon", "--reuseaddr", "--export-all", "--listen=127.0.0.1",
                             "--port=" + std::to_string(port_), "--base-path=" + served_.string(), served_.string()});
    wait_for_loopback_port(port_);
  }
  ~GitServer() {
    ::kill(daemon_, SIGTERM);
    wait_for(daemon_);
  }

  bool running() const { return loopback_port_open(port_); }
  const fs::path& served() const { return served_; }
  std::string url(const std::string& repo = "repo") const {
    return "git://127.0.0.1:" + std::to_string(port_) + "/" + repo + ".git";
  }

  // Writes `files` (path -> content) into the working tree of `repo`, commits and pushes them;
  // the commit.
  std::string commit(const std::map<std::string, std::string>& files, const std::string& message,
                     const std::string& repo = "repo") {
    const fs::path work = work_ / repo;
    if (!fs::exists(work)) {
      git({"init", "-q", "-b", "main", work.string()});
      git({"init", "-q", "--bare", "-b", "main", (served_ / (repo + ".git")).string()});
    }
    for (const auto& [path, content] : files) {
      fs::create_directories((work / path).parent_path());
      write_file_atomic(work / path, content);
    }
    git({"-C", work.string(), "add", "-A"});
    git({"-C", work.string(), "commit", "-q", "-m", message});
    git({"-C", work.string(), "push", "-q", (served_ / (repo + ".git")).string(), "main"});
    std::string head = git({"-C", work.string(), "rev-parse", "HEAD"});
    return head.substr(0, head.find('\n'));
  }

  // Adds `sub` as a submodule at `path` of `repo`, by the relative URL ../<sub>.git.
  void add_submodule(const std::string& repo, const std::string& sub, const std::string& path) {
    const fs::path work = work_ / repo;
    git({"-C", work.string(), "submodule", "add", "-q", url(sub), path});
    git({"-C", work.string(), "config", "-f", ".gitmodules", "submodule." + path + ".url", "../" + sub + ".git"});
  }

 private:
  static std::string git(std::vector<std::string> args) {
    args.insert(args.begin(), {"git", "-c", "user.name=test", "-c", "user.email=test@example.com"});
    Outcome o = run_command(args, {{"GIT_CONFIG_NOSYSTEM", "1"}, {"GIT_CONFIG_GLOBAL", "/dev/null"}});
    if (o.exit_code != 0) throw std::runtime_error("git failed: " + o.err);
    return o.out;
  }

  fs::path work_, served_;
  int port_ = 0;
  int daemon_ = -1;
};

// `git http-backend` behind python's CGI server on loopback, asking for HTTP Basic credentials:
// serves the bare repositories under `served` at http://127.0.0.1:PORT/cgi-bin/git/<name>.
constexpr const char* kHttpBackendServer = R"(import base64, http.server, os, sys
port, www, credentials = int(sys.argv[1]), sys.argv[2], sys.argv[3]
expected = 'Basic ' + base64.b64encode(credentials.encode()).decode()
# The CGI runs as the server's user, not as nobody: the repository is ours, and git refuses one
# of another owner.
http.server.nobody_uid = os.getuid
class Handler(http.server.CGIHTTPRequestHandler):
    def authorized(self):
        if self.headers.get('Authorization') == expected:
            return True
        self.send_response(401)
        self.send_header('WWW-Authenticate', 'Basic realm="git"')
        self.send_header('Content-Length', '0')
        self.end_headers()
        return False
    def do_GET(self):
        if self.authorized():
            super().do_GET()
    def do_POST(self):
        if self.authorized():
            super().do_POST()
os.chdir(www)
http.server.ThreadingHTTPServer(('127.0.0.1', port), Handler).serve_forever()
)";

int entries_in(const fs::path& dir) {
  int n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
  return n;
}

}  // namespace

TEST(GitSource, ABuildContextAtARefAndSubdir) {
  GantryEnv env;
  env.import_busybox();
  GitServer server(env.scratch());
  ASSERT_TRUE(server.running()) << "git daemon did not start";
  server.commit({{"app/Dockerfile", "FROM busybox:latest\nCOPY hello.txt /hello.txt\nRUN cat /hello.txt\n"},
                 {"app/hello.txt", "hello from app v1\n"},
                 {"README", "not in the context\n"}},
                "one");
  const fs::path out = env.scratch() / "out";
  auto build = [&] {
    fs::remove_all(out);
    auto o = env.gantry({"build", "--progress=plain", "--network=none", "-o", "type=local,dest=" + out.string(),
                         server.url() + "#main:app"});
    EXPECT_EQ(o.exit_code, 0) << o.err;
    return o.err;
  };
  const std::string first = build();
  EXPECT_NE(first.find("hello from app v1"), std::string::npos) << first;
  EXPECT_EQ(read_file(out / "hello.txt"), "hello from app v1\n");
  EXPECT_FALSE(fs::exists(out / "README"));
  EXPECT_EQ(build().find("hello from app v1"), std::string::npos) << "an unchanged commit is cached";

  server.commit({{"app/hello.txt", "hello from app v2\n"}}, "two");
  EXPECT_NE(build().find("hello from app v2"), std::string::npos) << "a new commit is built";
  EXPECT_EQ(read_file(out / "hello.txt"), "hello from app v2\n");

  // -f names a file of the repository; the query form names the same ref and subdir.
  server.commit({{"app/other.Dockerfile", "FROM busybox:latest\nCOPY hello.txt /other.txt\n"}}, "three");
  fs::remove_all(out);
  auto other = env.gantry({"build", "-f", "other.Dockerfile", "-o", "type=local,dest=" + out.string(),
                           server.url() + "?branch=main&subdir=app"});
  EXPECT_EQ(other.exit_code, 0) << other.err;
  EXPECT_EQ(read_file(out / "other.txt"), "hello from app v2\n");
}

// --build-context NAME=<git url>: FROM NAME and COPY --from=NAME read the commit's checkout.
TEST(GitSource, ANamedContextFromARepository) {
  GantryEnv env;
  env.import_busybox();
  GitServer server(env.scratch());
  ASSERT_TRUE(server.running()) << "git daemon did not start";
  server.commit({{"conf/app.conf", "port=8080\n"}, {"README", "outside the subdir\n"}}, "one");
  const fs::path ctx = env.scratch() / "ctx", out = env.scratch() / "out";
  fs::create_directories(ctx);
  write_file_atomic(ctx / "Dockerfile",
                    "FROM busybox:latest\nCOPY --from=conf app.conf /etc/app.conf\n"
                    "RUN cat /etc/app.conf\n");
  auto o = env.gantry({"build", "--progress=plain", "--network=none", "--build-context",
                       "conf=" + server.url() + "#main:conf", "-o",
                       "type=local,dest=" + out.string(), ctx.string()});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(read_file(out / "etc/app.conf"), "port=8080\n");

  const auto missing = env.gantry({"build", "--build-context", "conf=" + server.url() + "#nosuch",
                                   ctx.string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("build context conf=" + server.url() + "#nosuch"), std::string::npos)
      << missing.err;
}

TEST(GitSource, AddCopiesTheRepositoryWithoutOrWithItsGitDir) {
  GantryEnv env;
  env.import_busybox();
  GitServer server(env.scratch());
  ASSERT_TRUE(server.running()) << "git daemon did not start";
  const std::string v1 = server.commit({{"src/main.c", "int main() { return 1; }\n"}, {"doc/x", "x\n"}}, "one");
  const fs::path ctx = env.scratch() / "ctx", out = env.scratch() / "out";
  fs::create_directories(ctx);
  auto build = [&](const std::string& dockerfile) {
    write_file_atomic(ctx / "Dockerfile", dockerfile);
    fs::remove_all(out);
    auto o = env.gantry({"build", "--progress=plain", "--network=none", "-o", "type=local,dest=" + out.string(),
                         ctx.string()});
    EXPECT_EQ(o.exit_code, 0) << o.err;
    return o.err;
  };
  const std::string add = "FROM busybox:latest\nADD " + server.url() + " /repo\nRUN cat /repo/src/main.c\n";
  EXPECT_NE(build(add).find("return 1;"), std::string::npos);
  EXPECT_EQ(read_file(out / "repo/src/main.c"), "int main() { return 1; }\n");
  EXPECT_TRUE(fs::exists(out / "repo/doc/x"));
  EXPECT_FALSE(fs::exists(out / "repo/.git")) << "no .git without --keep-git-dir, as BuildKit";

  EXPECT_EQ(build(add).find("return 1;"), std::string::npos) << "an unchanged commit is cached";
  const std::string v2 = server.commit({{"src/main.c", "int main() { return 2; }\n"}}, "two");
  EXPECT_NE(build(add).find("return 2;"), std::string::npos) << "a new commit misses the cache";

  build("FROM busybox:latest\nADD --keep-git-dir=true " + server.url() + "#main /repo\n");
  ASSERT_TRUE(fs::is_directory(out / "repo/.git"));
  EXPECT_EQ(read_file(out / "repo/.git/HEAD"), v2 + "\n") << "the commit checked out, detached";
  EXPECT_EQ(read_file(out / "repo/src/main.c"), "int main() { return 2; }\n");

  // A subdir of an older commit, pinned in full, and checked by --checksum.
  build("FROM busybox:latest\nADD --checksum=" + v1.substr(0, 12) + " " + server.url() + "#" + v1 + ":src /old\n");
  EXPECT_EQ(read_file(out / "old/main.c"), "int main() { return 1; }\n");
  EXPECT_FALSE(fs::exists(out / "old/doc"));
}

TEST(GitSource, SubmodulesComeTooWithoutTheirGitFiles) {
  GantryEnv env;
  env.import_busybox();
  GitServer server(env.scratch());
  ASSERT_TRUE(server.running()) << "git daemon did not start";
  server.commit({{"deep.txt", "deep\n"}}, "deep", "deep");
  server.commit({{"lib.txt", "lib\n"}}, "lib", "lib");
  server.add_submodule("lib", "deep", "vendor/deep");
  server.commit({}, "lib uses deep", "lib");
  server.commit({{"main.txt", "main\n"}}, "one");
  server.add_submodule("repo", "lib", "lib");
  server.commit({}, "uses lib");
  const fs::path ctx = env.scratch() / "ctx", out = env.scratch() / "out";
  fs::create_directories(ctx);
  write_file_atomic(ctx / "Dockerfile", "FROM busybox:latest\nADD " + server.url() + " /repo\n");
  auto o = env.gantry({"build", "-o", "type=local,dest=" + out.string(), ctx.string()});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(read_file(out / "repo/main.txt"), "main\n");
  EXPECT_EQ(read_file(out / "repo/lib/lib.txt"), "lib\n");
  EXPECT_EQ(read_file(out / "repo/lib/vendor/deep/deep.txt"), "deep\n");
  EXPECT_FALSE(fs::exists(out / "repo/lib/.git"));
  EXPECT_FALSE(fs::exists(out / "repo/lib/vendor/deep/.git"));
}

TEST(GitSource, WhatCannotBeHadIsOneLineNamingTheUrl) {
  GantryEnv env;
  env.import_busybox();
  GitServer server(env.scratch());
  ASSERT_TRUE(server.running()) << "git daemon did not start";
  const std::string commit = server.commit({{"Dockerfile", "FROM busybox:latest\n"}, {"dir/f", "f\n"}}, "one");
  const fs::path ctx = env.scratch() / "ctx";
  fs::create_directories(ctx);
  // The base image's layer and a checkout in the store before the failures, which add nothing.
  write_file_atomic(ctx / "Dockerfile", "FROM busybox:latest\nADD " + server.url() + "#main:dir /d\n");
  ASSERT_EQ(env.gantry({"build", ctx.string()}).exit_code, 0);
  auto add_fails = [&](const std::string& source, const std::string& message) {
    write_file_atomic(ctx / "Dockerfile", "FROM busybox:latest\nADD " + source + " /r\n");
    const int snapshots = entries_in(env.root() / "snapshots");
    auto o = env.gantry({"build", ctx.string()});
    EXPECT_EQ(o.exit_code, 1) << source;
    EXPECT_NE(o.err.find("Dockerfile:2: `" + source + "`: " + message), std::string::npos) << o.err;
    EXPECT_EQ(entries_in(env.root() / "snapshots"), snapshots) << "nothing half-written is left: " << source;
  };
  const std::string unreachable = "git://127.0.0.1:" + std::to_string(free_loopback_port()) + "/repo.git";
  add_fails(unreachable, "cannot read the repository: fatal: unable to connect");
  add_fails(server.url() + "#nope", "no branch, tag or ref `nope` in the repository");
  add_fails(server.url() + "#main:nosuch", "no directory `nosuch` in the repository at commit " + commit);
  add_fails(server.url() + "#main:dir/f", "no directory `dir/f` in the repository at commit " + commit);
  add_fails(server.url() + "#main:../up", "subdir `../up` leaves the repository");
  write_file_atomic(ctx / "Dockerfile", "FROM busybox:latest\nADD --checksum=0000000 " + server.url() + " /r\n");
  auto mismatch = env.gantry({"build", ctx.string()});
  EXPECT_EQ(mismatch.exit_code, 1);
  EXPECT_NE(mismatch.err.find("expected checksum to match 0000000, got " + commit), std::string::npos) << mismatch.err;

  auto context = env.gantry({"build", server.url() + "#main:nosuch"});
  EXPECT_EQ(context.exit_code, 1);
  EXPECT_NE(context.err.find("`" + server.url() + "#main:nosuch`: no directory `nosuch`"), std::string::npos)
      << context.err;
  auto no_dockerfile = env.gantry({"build", server.url() + "#main:dir"});
  EXPECT_EQ(no_dockerfile.exit_code, 1);
  EXPECT_NE(no_dockerfile.err.find("`" + server.url() + "#main:dir`: no file `Dockerfile` in the repository at commit " +
                                   commit),
            std::string::npos)
      << no_dockerfile.err;
}

TEST(GitSource, HttpsRemotesGetTheCredentialsDockerHasForTheHost) {
  GantryEnv env;
  env.import_busybox();
  GitServer server(env.scratch());
  ASSERT_TRUE(server.running()) << "git daemon did not start";
  server.commit({{"Dockerfile", "FROM busybox:latest\nCOPY secret.txt /secret.txt\n"}, {"secret.txt", "private\n"}},
                "one");
  const fs::path www = env.scratch() / "www";
  fs::create_directories(www / "cgi-bin");
  fs::create_symlink("/usr/lib/git-core/git-http-backend", www / "cgi-bin/git");
  write_file_atomic(env.scratch() / "server.py", kHttpBackendServer);
  const int port = free_loopback_port();
  const int http = spawn_command({"python3", (env.scratch() / "server.py").string(), std::to_string(port), www.string(),
                                  "builder:s3cret"},
                                 {{"GIT_PROJECT_ROOT", server.served().string()}, {"GIT_HTTP_EXPORT_ALL", "1"}});
  ScopeGuard stop([http]() noexcept {
    ::kill(http, SIGTERM);
    wait_for(http);
  });
  ASSERT_TRUE(wait_for_loopback_port(port)) << "the git http-backend server did not start";
  const std::string host = "127.0.0.1:" + std::to_string(port);
  const std::string url = "http://" + host + "/cgi-bin/git/repo.git";
  const fs::path docker_config = env.scratch() / "docker";
  fs::create_directories(docker_config);
  const fs::path out = env.scratch() / "out";
  auto build = [&] {
    return env.gantry({"build", "-o", "type=local,dest=" + out.string(), url},
                      {{"GANTRY_CONFIG", ""}, {"DOCKER_CONFIG", docker_config.string()}});
  };

  write_file_atomic(docker_config / "config.json", "{}");
  auto refused = build();
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("`" + url + "`: cannot read the repository"), std::string::npos) << refused.err;

  // What `gantry login 127.0.0.1:PORT` would have written: "builder:s3cret" in base64.
  write_file_atomic(docker_config / "config.json", R"({"auths": {")" + host + R"(": {"auth": "YnVpbGRlcjpzM2NyZXQ="}}})");
  auto built = build();
  ASSERT_EQ(built.exit_code, 0) << built.err;
  EXPECT_EQ(read_file(out / "secret.txt"), "private\n");
  EXPECT_EQ(built.err.find("s3cret"), std::string::npos);
}

}  // namespace gantry::e2e

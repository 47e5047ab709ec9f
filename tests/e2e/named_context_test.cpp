// Named contexts (--build-context) and HTTP(S) contexts, end to end: directories with their
// own .dockerignore, images from the store, OCI layouts written by gantry itself, tarballs and
// plain Dockerfiles served by an HTTP server on loopback; and the errors for bad values.
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

// python3 -m http.server serving `dir` on a loopback port, stopped when it goes away.
class HttpServer {
 public:
  explicit HttpServer(const fs::path& dir) : port_(free_loopback_port()) {
    pid_ = spawn_command({"python3", "-m", "http.server", std::to_string(port_), "--bind",
                          "127.0.0.1", "--directory", dir.string()});
    wait_for_loopback_port(port_);
  }
  ~HttpServer() {
    ::kill(pid_, SIGTERM);
    wait_for(pid_);
  }
  bool up() const { return loopback_port_open(port_); }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/" + path;
  }

 private:
  int port_;
  int pid_;
};

std::string read_or_empty(const fs::path& file) { return fs::exists(file) ? read_file(file) : ""; }

class NamedContexts : public ::testing::Test {
 protected:
  void SetUp() override { env.import_busybox(); }

  // Builds `dockerfile` (in a context dir of its own) with `flags`, its files exported to a
  // fresh directory, which is returned.
  fs::path build_files(const std::string& dockerfile, std::vector<std::string> flags) {
    const fs::path ctx = env.scratch() / ("ctx" + std::to_string(++builds));
    const fs::path out = env.scratch() / ("out" + std::to_string(builds));
    fs::create_directories(ctx);
    write_file_atomic(ctx / "Dockerfile", dockerfile);
    std::vector<std::string> args = {"build", "--progress=plain", "--pull=never", "-o",
                                     "type=local,dest=" + out.string()};
    args.insert(args.end(), flags.begin(), flags.end());
    args.push_back(ctx.string());
    const Outcome o = env.gantry(args);
    EXPECT_EQ(o.exit_code, 0) << o.err;
    return out;
  }

  GantryEnv env;
  int builds = 0;
};

TEST_F(NamedContexts, ADirectoryServesFromCopyFromAndMountFromWithItsOwnDockerignore) {
  const fs::path extra = env.scratch() / "extra";
  fs::create_directories(extra / "sub");
  write_file_atomic(extra / "hello.txt", "hello from extra\n");
  write_file_atomic(extra / "sub" / "kept.txt", "kept\n");
  write_file_atomic(extra / "secret.txt", "must not be seen\n");
  write_file_atomic(extra / ".dockerignore", "secret.txt\n");
  const fs::path out = build_files(
      "FROM busybox:latest\n"
      "COPY --from=extra /hello.txt /copied.txt\n"
      "RUN --mount=from=extra,target=/m cat /m/hello.txt > /mounted.txt && ls -a /m > "
      "/listing.txt\n",
      {"--build-context", "extra=" + extra.string()});
  EXPECT_EQ(read_or_empty(out / "copied.txt"), "hello from extra\n");
  EXPECT_EQ(read_or_empty(out / "mounted.txt"), "hello from extra\n");
  const std::string listing = read_or_empty(out / "listing.txt");
  EXPECT_NE(listing.find("sub"), std::string::npos) << listing;
  EXPECT_EQ(listing.find("secret.txt"), std::string::npos)
      << ".dockerignore of the named context applies: " << listing;

  // FROM the directory: its files (less the ignored), and nothing of busybox.
  const fs::path files =
      build_files("FROM extra\n", {"--build-context", "extra=" + extra.string()});
  EXPECT_EQ(read_or_empty(files / "sub" / "kept.txt"), "kept\n");
  EXPECT_FALSE(fs::exists(files / "secret.txt"));
  EXPECT_FALSE(fs::exists(files / "bin"));

  // A change in the directory is a change of the build's input: not a stale cache hit.
  write_file_atomic(extra / "hello.txt", "changed\n");
  const fs::path again =
      build_files("FROM busybox:latest\nCOPY --from=extra /hello.txt /copied.txt\n",
                  {"--build-context", "extra=" + extra.string()});
  EXPECT_EQ(read_or_empty(again / "copied.txt"), "changed\n");
}

TEST_F(NamedContexts, AnImageContextOverridesImagesAndStagesOfItsName) {
  ASSERT_EQ(env.gantry({"tag", "busybox:latest", "mybase:1"}).exit_code, 0);
  // `alpine` is in no store and no registry here: the context stands for it.
  const fs::path out =
      build_files("FROM docker.io/library/alpine:latest\nRUN echo on-busybox > /marker\n",
                  {"--build-context", "alpine=docker-image://mybase:1"});
  EXPECT_EQ(read_or_empty(out / "marker"), "on-busybox\n");
  EXPECT_TRUE(fs::exists(out / "bin" / "busybox"));

  // The stage `deps` is replaced: its failing RUN never runs.
  const fs::path replaced = build_files(
      "FROM busybox:latest AS deps\nRUN exit 3\nFROM scratch\nCOPY --from=deps /bin/busybox "
      "/busybox\n",
      {"--build-context", "deps=docker-image://mybase:1"});
  EXPECT_TRUE(fs::exists(replaced / "busybox"));

  const fs::path ctx = env.scratch() / "missing-image";
  fs::create_directories(ctx);
  write_file_atomic(ctx / "Dockerfile", "FROM base\n");
  const Outcome missing = env.gantry(
      {"build", "--pull=never", "--build-context", "base=docker-image://nothere:1", ctx.string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("build context base=docker-image://nothere:1"), std::string::npos)
      << missing.err;
}

TEST_F(NamedContexts, AnOciLayoutWrittenByGantryIsABaseImage) {
  const fs::path layout = env.scratch() / "layout";
  const fs::path ctx = env.scratch() / "layout-ctx";
  fs::create_directories(ctx);
  write_file_atomic(ctx / "Dockerfile",
                    "FROM busybox:latest\nRUN echo from-layout > /marker\nENV LAYOUT=yes\n");
  const Outcome made =
      env.gantry({"build", "-o", "type=oci,tar=false,dest=" + layout.string(), ctx.string()});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  ASSERT_TRUE(fs::exists(layout / "index.json"));

  const fs::path out = build_files("FROM base\nRUN cat /marker > /copy && echo $LAYOUT >> /copy\n",
                                   {"--build-context", "base=oci-layout://" + layout.string()});
  EXPECT_EQ(read_or_empty(out / "copy"), "from-layout\nyes\n");

  // Pinned by the digest index.json lists it under.
  const auto index = nlohmann::json::parse(read_file(layout / "index.json"));
  const std::string digest = index["manifests"][0]["digest"];
  const fs::path pinned =
      build_files("FROM busybox:latest\nCOPY --from=base /marker /m\n",
                  {"--build-context", "base=oci-layout://" + layout.string() + "@" + digest});
  EXPECT_EQ(read_or_empty(pinned / "m"), "from-layout\n");

  const fs::path other_ctx = env.scratch() / "wrong-digest";
  fs::create_directories(other_ctx);
  write_file_atomic(other_ctx / "Dockerfile", "FROM base\n");
  const Outcome wrong =
      env.gantry({"build", "--build-context",
                  "base=oci-layout://" + layout.string() + "@sha256:" + std::string(64, '0'),
                  other_ctx.string()});
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.err.find("is missing"), std::string::npos) << wrong.err;
}

TEST_F(NamedContexts, HttpContextsAreTarballsOrDockerfiles) {
  const fs::path www = env.scratch() / "www";
  const fs::path tree = env.scratch() / "tree";
  fs::create_directories(www);
  fs::create_directories(tree / "docker");
  write_file_atomic(tree / "Dockerfile", "FROM busybox:latest\nCOPY data.txt /data.txt\n");
  write_file_atomic(tree / "docker" / "Other", "FROM busybox:latest\nCOPY data.txt /other.txt\n");
  write_file_atomic(tree / "data.txt", "from the tarball\n");
  for (const auto& [name, flag] : std::vector<std::pair<std::string, std::string>>{
           {"ctx.tar", ""}, {"ctx.tar.gz", "-z"}, {"ctx.tar.bz2", "-j"}, {"ctx.tar.xz", "-J"}}) {
    std::vector<std::string> argv = {"tar", "-C", tree.string(), "-cf", (www / name).string()};
    if (!flag.empty()) argv.insert(argv.begin() + 1, flag);
    argv.push_back(".");
    ASSERT_EQ(run_command(argv).exit_code, 0) << name;
  }
  write_file_atomic(www / "Dockerfile.txt", "FROM busybox:latest\nRUN echo plain > /plain.txt\n");
  HttpServer server(www);
  ASSERT_TRUE(server.up()) << "python3 -m http.server did not start";

  for (const std::string name : {"ctx.tar", "ctx.tar.gz", "ctx.tar.bz2", "ctx.tar.xz"}) {
    const fs::path out = env.scratch() / ("http-" + name);
    const Outcome o =
        env.gantry({"build", "-o", "type=local,dest=" + out.string(), server.url(name)});
    ASSERT_EQ(o.exit_code, 0) << name << ": " << o.err;
    EXPECT_EQ(read_or_empty(out / "data.txt"), "from the tarball\n") << name;
  }
  // -f names a file inside the tarball.
  const fs::path other = env.scratch() / "http-other";
  const Outcome with_f =
      env.gantry({"build", "-f", "docker/Other", "-o", "type=local,dest=" + other.string(),
                  server.url("ctx.tar.gz")});
  ASSERT_EQ(with_f.exit_code, 0) << with_f.err;
  EXPECT_EQ(read_or_empty(other / "other.txt"), "from the tarball\n");

  // A body that is no archive is the Dockerfile.
  const fs::path plain = env.scratch() / "http-plain";
  const Outcome dockerfile = env.gantry(
      {"build", "-o", "type=local,dest=" + plain.string(), server.url("Dockerfile.txt")});
  ASSERT_EQ(dockerfile.exit_code, 0) << dockerfile.err;
  EXPECT_EQ(read_or_empty(plain / "plain.txt"), "plain\n");
  const Outcome ambiguous = env.gantry({"build", "-f", "Dockerfile", server.url("Dockerfile.txt")});
  EXPECT_EQ(ambiguous.exit_code, 125);
  EXPECT_NE(ambiguous.err.find(server.url("Dockerfile.txt")), std::string::npos) << ambiguous.err;

  // As a named context: the tarball unpacked; any other body is the file `context`.
  const fs::path named = build_files(
      "FROM busybox:latest\nCOPY --from=src /data.txt /named.txt\nCOPY --from=raw /context "
      "/raw.txt\n",
      {"--build-context", "src=" + server.url("ctx.tar.xz"), "--build-context",
       "raw=" + server.url("Dockerfile.txt")});
  EXPECT_EQ(read_or_empty(named / "named.txt"), "from the tarball\n");
  EXPECT_EQ(read_or_empty(named / "raw.txt"), read_file(www / "Dockerfile.txt"));

  // HTTP errors and unreachable hosts name the URL.
  const Outcome not_found = env.gantry({"build", server.url("missing.tar.gz")});
  EXPECT_EQ(not_found.exit_code, 1);
  EXPECT_NE(not_found.err.find("remote context `" + server.url("missing.tar.gz") + "`"),
            std::string::npos)
      << not_found.err;
  EXPECT_NE(not_found.err.find("404"), std::string::npos) << not_found.err;
  const Outcome unreachable = env.gantry({"build", "http://127.0.0.1:1/ctx.tar.gz"});
  EXPECT_EQ(unreachable.exit_code, 1);
  EXPECT_NE(unreachable.err.find("`http://127.0.0.1:1/ctx.tar.gz`"), std::string::npos)
      << unreachable.err;
  const fs::path ctx = env.scratch() / "named-404";
  fs::create_directories(ctx);
  write_file_atomic(ctx / "Dockerfile", "FROM busybox:latest\nCOPY --from=gone /a /a\n");
  const Outcome named_404 =
      env.gantry({"build", "--build-context", "gone=" + server.url("gone.tar"), ctx.string()});
  EXPECT_EQ(named_404.exit_code, 1);
  EXPECT_NE(named_404.err.find("Dockerfile:2: build context gone="), std::string::npos)
      << named_404.err;
  EXPECT_NE(named_404.err.find("404"), std::string::npos) << named_404.err;
}

TEST_F(NamedContexts, BakeTargetsTakeContextsRelativeToTheBakeFile) {
  const fs::path dir = env.scratch() / "bake";
  fs::create_directories(dir / "app");
  fs::create_directories(dir / "shared");
  write_file_atomic(dir / "shared" / "lib.txt", "shared lib\n");
  write_file_atomic(dir / "app" / "Dockerfile", "FROM base\nCOPY --from=lib /lib.txt /lib.txt\n");
  write_file_atomic(dir / "gantry.yaml",
                    "target:\n"
                    "  app:\n"
                    "    context: app\n"
                    "    contexts: {lib: shared, base: \"docker-image://busybox:latest\"}\n"
                    "    outputs: [\"type=local,dest=out\"]\n");
  const Outcome built = env.gantry({"bake", "-f", (dir / "gantry.yaml").string(), "app"});
  ASSERT_EQ(built.exit_code, 0) << built.err;
  EXPECT_EQ(read_or_empty(dir / "out" / "lib.txt"), "shared lib\n");
  EXPECT_TRUE(fs::exists(dir / "out" / "bin" / "busybox"));

  const Outcome other_target = env.gantry({"bake", "-f", (dir / "gantry.yaml").string(), "--set",
                                           "app.contexts.base=target:other", "app"});
  EXPECT_EQ(other_target.exit_code, 125);
  EXPECT_NE(other_target.err.find("gantry.yaml: target.app.contexts: base=target:other: a context from "
                                  "another target is not supported"),
            std::string::npos)
      << other_target.err;
}

TEST_F(NamedContexts, BadValuesAreUsageErrorsNamingThem) {
  const fs::path ctx = env.scratch() / "usage";
  fs::create_directories(ctx);
  write_file_atomic(ctx / "Dockerfile", "FROM busybox:latest\n");
  auto refused = [&](const std::string& value, const std::string& says) {
    const Outcome o = env.gantry({"build", "--build-context", value, ctx.string()});
    EXPECT_EQ(o.exit_code, 125) << value << ": " << o.err;
    EXPECT_NE(o.err.find(says), std::string::npos) << value << ": " << o.err;
  };
  refused("noequals", "invalid --build-context `noequals`: expected NAME=VALUE");
  refused("Upper=.", "invalid context name `Upper`");
  refused("src=" + (env.scratch() / "nothere").string(),
          "--build-context src=" + (env.scratch() / "nothere").string());
  refused("src=ftp://example.com/ctx.tar", "unsupported context source `ftp`");
  refused("src=docker-image://Bad:ref", "--build-context src=docker-image://Bad:ref");
  refused("src=oci-layout://" + ctx.string() + "@sha256:beef", "--build-context src=oci-layout://");
  const Outcome twice =
      env.gantry({"build", "--build-context", "a=" + ctx.string(), "--build-context",
                  "docker.io/library/a:latest=" + ctx.string(), ctx.string()});
  EXPECT_EQ(twice.exit_code, 125);
  EXPECT_NE(twice.err.find("a context named `a` was given already"), std::string::npos)
      << twice.err;
}

}  // namespace
}  // namespace gantry::e2e

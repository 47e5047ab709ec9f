// Hostile build contexts: symlinks that point out of the context (to /, to a host directory,
// climbing with ..), in a directory, a tarball or on stdin, named by COPY, ADD, a wildcard, a
// bind mount or as the Dockerfile itself, and a stage's link used by COPY --from. Every path is
// resolved inside the context (or the stage), as BuildKit does: the link's target is looked up
// there and is then not found. No byte of the host's files may reach the image, the output or
// the messages, and the cache key must not read them either.
//
// "The host" is a directory beside the context holding a secret; its absolute path is what the
// links name, so the host's real files are never touched.
#include <gtest/gtest.h>

#include "base/digest.h"
#include "base/file_util.h"
#include "tests/e2e/gantry_runner.h"

namespace gantry::e2e {

namespace fs = std::filesystem;

namespace {

class HostileContextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_.import_busybox();
    secret_ = "host-secret-" + sha256_of(env_.scratch().string()).short_hex();
    fs::create_directories(host());
    fs::create_directories(ctx());
    write_file_atomic(host() / "secret.txt", secret_ + "\n");
  }

  fs::path host() const { return env_.scratch() / "host"; }
  fs::path ctx() const { return env_.scratch() / "ctx"; }
  fs::path out() const { return env_.scratch() / "out"; }
  // What follows `hostroot/` (a link to /) to reach `p`.
  static std::string from_root(const fs::path& p) { return p.relative_path().string(); }
  void dockerfile(const std::string& text) const { write_file_atomic(ctx() / "Dockerfile", text); }
  void link(const fs::path& target, const std::string& name) const {
    fs::create_symlink(target, ctx() / name);
  }

  Outcome build(const std::string& context) const {
    fs::remove_all(out());
    return env_.gantry(
        {"build", "--progress=plain", "-o", "type=local,dest=" + out().string(), context});
  }
  Outcome build() const { return build(ctx().string()); }
  // A tarball of the context, as `docker build - < ctx.tar` sends it.
  fs::path context_tarball() const {
    const fs::path tarball = env_.scratch() / "ctx.tar";
    const Outcome t = run_command({"tar", "-C", ctx().string(), "-cf", tarball.string(), "."});
    if (t.exit_code != 0) throw std::runtime_error("tar: " + t.err);
    return tarball;
  }
  Outcome build_from_stdin(const fs::path& tarball) const {
    fs::remove_all(out());
    return run_command({"sh", "-c",
                        gantry_binary() + " build --progress=plain -o type=local,dest=" +
                            out().string() + " - < '" + tarball.string() + "'"},
                       {{"GANTRY_ROOT", env_.root().string()}});
  }

  // Nothing of the host's secret in what the build printed or wrote.
  void expect_no_leak(const Outcome& o) const {
    EXPECT_EQ((o.out + o.err).find(secret_), std::string::npos)
        << "the host's secret is in the output:\n"
        << o.err;
    if (!fs::exists(out())) return;
    for (const auto& e : fs::recursive_directory_iterator(out())) {
      EXPECT_EQ(e.path().filename().string().find(secret_), std::string::npos) << e.path();
      if (e.is_regular_file() && !e.is_symlink()) {
        EXPECT_EQ(read_file(e.path()).find(secret_), std::string::npos)
            << "the host's secret is in " << e.path();
      }
    }
  }
  // The build failed (exit 1) with a last line naming `what`, and nothing of the host leaked.
  void expect_refused(const Outcome& o, const std::string& what) const {
    EXPECT_EQ(o.exit_code, 1) << o.err;
    std::string last = o.err;
    while (!last.empty() && last.back() == '\n') last.pop_back();
    last = last.substr(last.rfind('\n') + 1);
    EXPECT_TRUE(last.starts_with("gantry: ")) << o.err;
    EXPECT_NE(last.find(what), std::string::npos) << "the last line should name " << what << ":\n"
                                                  << o.err;
    expect_no_leak(o);
  }

  GantryEnv env_;
  std::string secret_;
};

}  // namespace

TEST_F(HostileContextTest, ALinkToTheRootLooksInTheContext) {
  link("/", "hostroot");
  dockerfile("FROM busybox\nCOPY hostroot/" + from_root(host() / "secret.txt") + " /x\n");
  const Outcome o = build();
  expect_refused(o, "not found in the build context");
}

TEST_F(HostileContextTest, ADirectoryLinkOutOfTheContextIsNotFound) {
  link(host(), "hostdir");
  dockerfile("FROM busybox\nCOPY hostdir /d/\n");
  const Outcome o = build();
  expect_refused(o, "`hostdir` not found in the build context");
}

TEST_F(HostileContextTest, ARelativeLinkClimbsNoHigherThanTheContextRoot) {
  link("../../../../../../../../../../../..", "up");
  write_file_atomic(ctx() / "inroot.txt", "in the context\n");
  dockerfile("FROM busybox\nCOPY up/" + from_root(host() / "secret.txt") + " /x\n");
  const Outcome o = build();
  expect_refused(o, "not found in the build context");

  dockerfile("FROM busybox\nCOPY up/inroot.txt /ok\n");
  const Outcome in_root = build();
  ASSERT_EQ(in_root.exit_code, 0) << in_root.err;
  EXPECT_EQ(read_file(out() / "ok"), "in the context\n");
}

TEST_F(HostileContextTest, AStarOverAStrayLinkCopiesNothingOfTheHost) {
  link(host(), "stray");
  write_file_atomic(ctx() / "a.txt", "a\n");
  dockerfile("FROM busybox\nCOPY * /all/\n");
  const Outcome o = build();
  expect_refused(o, "`stray` not found in the build context");
}

TEST_F(HostileContextTest, AddThroughALinkedDirectoryIsNotFound) {
  link(host(), "hostdir");
  dockerfile("FROM busybox\nADD hostdir/secret.txt /x\n");
  const Outcome o = build();
  expect_refused(o, "`hostdir/secret.txt` not found in the build context");
}

TEST_F(HostileContextTest, AddOfALinkToAHostArchiveUnpacksNothing) {
  ASSERT_EQ(run_command({"tar", "-C", host().string(), "-cf", (host() / "secret.tar").string(),
                         "secret.txt"})
                .exit_code,
            0);
  link(host() / "secret.tar", "evil.tar");
  dockerfile("FROM busybox\nADD evil.tar /unpacked/\n");
  const Outcome o = build();
  expect_refused(o, "`evil.tar` not found in the build context");
}

TEST_F(HostileContextTest, AContextTarballOnStdinWithALinkToTheRoot) {
  link("/", "hostroot");
  dockerfile("FROM busybox\nCOPY hostroot/" + from_root(host() / "secret.txt") + " /x\n");
  const Outcome o = build_from_stdin(context_tarball());
  expect_refused(o, "not found in the build context");
}

TEST_F(HostileContextTest, AContextTarballFileWithALinkedDirectory) {
  link(host(), "hostdir");
  dockerfile("FROM busybox\nCOPY hostdir/ /d/\n");
  const Outcome o = build(context_tarball().string());
  expect_refused(o, "`hostdir` not found in the build context");
}

TEST_F(HostileContextTest, ADockerfileLinkedOutOfTheContextIsNotRead) {
  write_file_atomic(host() / "Dockerfile", "FROM busybox\nRUN echo " + secret_ + " > /leak\n");
  link(host() / "Dockerfile", "Dockerfile");
  const Outcome from_dir = build();
  expect_refused(from_dir, "no such file");
  const Outcome from_tarball = build(context_tarball().string());
  expect_refused(from_tarball, "no such file");
}

TEST_F(HostileContextTest, ADockerignoreLinkedOutOfTheContextIsNotRead) {
  write_file_atomic(host() / "ignore", "*\n");
  link(host() / "ignore", ".dockerignore");
  write_file_atomic(ctx() / "a.txt", "a\n");
  dockerfile("FROM busybox\nCOPY a.txt /a.txt\n");
  const Outcome o = build();
  ASSERT_EQ(o.exit_code, 0) << "the host's file decided what the context holds:\n" << o.err;
  EXPECT_EQ(read_file(out() / "a.txt"), "a\n");
}

TEST_F(HostileContextTest, AStageGlobThroughAnAbsoluteLinkListsTheStageNotTheHost) {
  const fs::path dir = host() / "dir";
  fs::create_directories(dir);
  write_file_atomic(dir / ("leak-" + secret_ + ".txt"), "host\n");
  dockerfile(
      "FROM busybox AS stage\n"
      "RUN mkdir -p " +
      dir.string() + " && echo in-image > " + dir.string() + "/inimage.txt && ln -s " +
      dir.string() +
      " /link\n"
      "FROM busybox\nCOPY --from=stage /link/* /got/\n");
  const Outcome o = build();
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(read_file(out() / "got/inimage.txt"), "in-image\n");
  expect_no_leak(o);
}

TEST_F(HostileContextTest, ABindMountsCacheKeyReadsNothingOutsideTheContext) {
  // An old file of the host (this test's own binary: the cache remembers hashes of files that
  // did not change in the last two seconds), named through a link to /.
  const fs::path host_file = fs::read_symlink("/proc/self/exe");
  link("/", "hostroot");
  dockerfile("FROM busybox\nRUN --mount=type=bind,source=hostroot/" + from_root(host_file) +
             ",target=/m true\n");
  const Outcome o = build();
  expect_refused(o, "not found in the build context");
  const Outcome rows = run_command(
      {"sqlite3", (env_.root() / "metadata.db").string(),
       "SELECT COUNT(*) FROM file_hashes WHERE hash = '" + sha256_of_file(host_file).hex() + "'"});
  ASSERT_EQ(rows.exit_code, 0) << rows.err;
  EXPECT_EQ(rows.out, "0\n") << "the cache key read the host's file";
}

TEST_F(HostileContextTest, ABindMountOfTheContextHidesWhatDockerignoreExcludes) {
  write_file_atomic(ctx() / ".dockerignore", "secret.env\n");
  write_file_atomic(ctx() / "secret.env", secret_ + "\n");
  write_file_atomic(ctx() / "app.txt", "app\n");
  dockerfile(
      "FROM busybox\n"
      "RUN --mount=type=bind,target=/ctx (cat /ctx/secret.env || true) > /seen; ls -a /ctx > "
      "/listing\n");
  const Outcome o = build();
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(read_file(out() / "listing"), ".\n..\n.dockerignore\nDockerfile\napp.txt\n");
  expect_no_leak(o);

  dockerfile("FROM busybox\nRUN --mount=type=bind,source=secret.env,target=/s cat /s\n");
  const Outcome named = build();
  expect_refused(named,
                 "`secret.env` not found in the build context (or excluded by .dockerignore)");
}

}  // namespace gantry::e2e

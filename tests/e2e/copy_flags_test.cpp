// COPY and ADD flags as BuildKit's Dockerfile frontend (1.20) gives them, checked on the files of
// the built image: --parents with its `/./` pivot and `**`, --exclude (relative to each source,
// .dockerignore patterns with `**` and `!`), symbolic --chmod, symlinks named by a source, the
// `# syntax=` warning, and cache keys that change exactly when the copied files do.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <set>

#include "base/file_util.h"
#include "tests/e2e/gantry_runner.h"

namespace gantry::e2e {

namespace fs = std::filesystem;

namespace {

class CopyFlagsTest : public ::testing::Test {
 protected:
  void SetUp() override { fs::create_directories(ctx()); }
  fs::path ctx() const { return env_.scratch() / "ctx"; }
  fs::path out() const { return env_.scratch() / "out"; }
  void write(const std::string& rel, const std::string& data) const {
    fs::create_directories((ctx() / rel).parent_path());
    write_file_atomic(ctx() / rel, data);
  }
  Outcome build(const std::string& dockerfile) const {
    write("Dockerfile", dockerfile);
    fs::remove_all(out());
    return env_.gantry({"build", "--progress=plain", "-o", "type=local,dest=" + out().string(), ctx().string()});
  }
  // Every path under `dir` of the output, relative to it, directories with a trailing '/'.
  std::set<std::string> listing(const std::string& dir) const {
    std::set<std::string> out_paths;
    for (const auto& e : fs::recursive_directory_iterator(out() / dir))
      out_paths.insert(fs::relative(e.path(), out() / dir).string() + (e.is_directory() ? "/" : ""));
    return out_paths;
  }
  std::uint32_t mode_of(const std::string& rel) const {
    struct stat st {};
    EXPECT_EQ(::lstat((out() / rel).c_str(), &st), 0) << rel;
    return st.st_mode & 07777;
  }

  GantryEnv env_;
};

using Paths = std::set<std::string>;

}  // namespace

TEST_F(CopyFlagsTest, ParentsKeepTheDirectoriesAboveEachSourceFromThePivotOn) {
  write("x/a.txt", "xa\n");
  write("x/y/a.txt", "ya\n");
  write("x/y/b.md", "yb\n");
  write("y/a.txt", "other\n");
  write("src/a.txt", "s\n");
  write("src/x/b.txt", "sx\n");
  write("src/x/y/c.txt", "sxy\n");
  write("src/x/no.bin", "n\n");
  const Outcome o = build(
      "FROM scratch\n"
      "COPY ./x/a.txt ./x/y/a.txt /no_parents/x/\n"
      "COPY --parents ./x/a.txt ./y/a.txt /parents/\n"
      "COPY --parents ./x/./y/*.txt /pivot/\n"
      "COPY --parents ./src/**/*.txt /star/\n"
      "COPY --parents nothing*/a.txt /empty/\n");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  // The reference's examples: without --parents one a.txt overwrites the other.
  EXPECT_EQ(listing("no_parents"), (Paths{"x/", "x/a.txt"}));
  EXPECT_EQ(listing("parents"), (Paths{"x/", "x/a.txt", "y/", "y/a.txt"}));
  EXPECT_EQ(read_file(out() / "parents/y/a.txt"), "other\n");
  EXPECT_EQ(listing("pivot"), (Paths{"y/", "y/a.txt"}));
  EXPECT_EQ(listing("star"), (Paths{"src/", "src/a.txt", "src/x/", "src/x/b.txt", "src/x/y/", "src/x/y/c.txt"}));
  EXPECT_EQ(listing("empty"), Paths{}) << "a wildcard may match nothing";

  const Outcome missing = build("FROM scratch\nCOPY --parents x/missing.txt /p/\n");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("`x/missing.txt` not found in the build context"), std::string::npos) << missing.err;
}

TEST_F(CopyFlagsTest, ParentsCopyFromAStageWithAbsolutePaths) {
  write("tree/usr/lib/one.so", "1\n");
  write("tree/usr/lib/deep/two.so", "2\n");
  write("tree/usr/lib/readme", "r\n");
  const Outcome o = build(
      "FROM scratch AS base\nCOPY tree /\n"
      "FROM scratch\nCOPY --from=base --parents /usr/./lib/**/*.so /l/\n");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(listing("l"), (Paths{"lib/", "lib/one.so", "lib/deep/", "lib/deep/two.so"}));
}

TEST_F(CopyFlagsTest, ParentsReplaceASymlinkTheImageHasOnTheWayInsteadOfFollowingItToTheHost) {
  // The image's /p/x links to an absolute path that exists on the host only, in this test's
  // scratch dir: followed on the host, the copy would land there and chmod it.
  const fs::path host_dir = env_.scratch() / "host";
  fs::create_directories(host_dir);
  fs::permissions(host_dir, fs::perms::owner_all, fs::perm_options::replace);
  write_file_atomic(host_dir / "sentinel", "host\n");
  fs::create_directories(ctx() / "image");
  fs::create_symlink(host_dir, ctx() / "image/x");
  write("x/passwd", "image\n");
  fs::permissions(ctx() / "x", fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                   fs::perms::others_read | fs::perms::others_exec, fs::perm_options::replace);
  const Outcome o = build("FROM scratch\nCOPY image/ /p/\nCOPY --parents x/passwd /p/\n");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_FALSE(fs::is_symlink(out() / "p/x"));
  ASSERT_TRUE(fs::is_directory(out() / "p/x"));
  EXPECT_EQ(read_file(out() / "p/x/passwd"), "image\n");
  EXPECT_EQ(mode_of("p/x"), 0755u);
  // The host's directory is as it was.
  EXPECT_FALSE(fs::exists(host_dir / "passwd"));
  EXPECT_EQ(read_file(host_dir / "sentinel"), "host\n");
  struct stat st {};
  ASSERT_EQ(::stat(host_dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
}

TEST_F(CopyFlagsTest, ExcludeLeavesOutWhatItsPatternsMatchBelowEachSource) {
  write("dir1/file-101.png", "2");
  write("dir1/file-102.txt", "3");
  write("dir3/file-301.mp3", "9");
  write("dir3/file-302.mpeg", "10");
  write("dir4/keep.log", "k");
  write("dir4/drop.log", "d");
  write("dir4/sub/deep.log", "s");
  const Outcome o = build(
      "FROM scratch\n"
      "COPY --exclude=*/*.png . /1\n"
      "ADD --exclude=*.mp3 dir3/ /3/\n"
      "COPY --exclude=*.mp3 --exclude=*.png --exclude=*.txt --exclude=*.log dir* /4/\n"
      "COPY --exclude=*.log --exclude=!keep.log dir4 /5/\n"
      "COPY --exclude=**/*.log dir4 /6/\n");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_FALSE(fs::exists(out() / "1/dir1/file-101.png"));
  EXPECT_EQ(read_file(out() / "1/dir1/file-102.txt"), "3");
  EXPECT_TRUE(fs::exists(out() / "1/dir4/sub/deep.log"));
  EXPECT_EQ(listing("3"), (Paths{"file-302.mpeg"}));
  // Each directory a wildcard names is filtered below itself: `*.log` is not `sub/*.log`.
  EXPECT_EQ(listing("4"), (Paths{"file-302.mpeg", "sub/", "sub/deep.log"}));
  EXPECT_EQ(listing("5"), (Paths{"keep.log", "sub/", "sub/deep.log"}));
  EXPECT_EQ(listing("6"), (Paths{"sub/"}));
}

TEST_F(CopyFlagsTest, SymbolicChmodChangesEachFilesOwnMode) {
  write("run.sh", "#!/bin/sh\n");
  write("tool", "bin\n");
  write("tree/data", "d\n");
  write("tree/bin/tool", "t\n");
  fs::permissions(ctx() / "run.sh", fs::perms(0644));
  fs::permissions(ctx() / "tool", fs::perms(0700));
  fs::permissions(ctx() / "tree/data", fs::perms(0640));
  fs::permissions(ctx() / "tree/bin/tool", fs::perms(0750));
  fs::permissions(ctx() / "tree/bin", fs::perms(0700));
  const Outcome o = build(
      "FROM scratch\n"
      "COPY --chmod=u+x,g=rx run.sh /run.sh\n"
      "COPY --chmod=a-w tool /tool\n"
      "COPY --chmod=go=u-w tree /tree/\n"
      "COPY --chmod=a+rX tree /x/\n"
      "COPY --chmod=+x <<EOF /inline.sh\necho hi\nEOF\n");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(mode_of("run.sh"), 0754u);
  EXPECT_EQ(mode_of("tool"), 0500u);
  EXPECT_EQ(mode_of("tree/data"), 0644u);
  EXPECT_EQ(mode_of("tree/bin"), 0755u);
  EXPECT_EQ(mode_of("tree/bin/tool"), 0755u);
  // X: execute for directories and for files some class could already execute.
  EXPECT_EQ(mode_of("x/data"), 0644u);
  EXPECT_EQ(mode_of("x/bin"), 0755u);
  EXPECT_EQ(mode_of("x/bin/tool"), 0755u);
  EXPECT_EQ(mode_of("inline.sh"), 0755u);

  const Outcome bad = build("FROM scratch\nCOPY --chmod=u+q run.sh /r\n");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("Dockerfile:2: invalid chmod value `u+q`"), std::string::npos) << bad.err;
}

TEST_F(CopyFlagsTest, ASymlinkNamedByASourceOrMatchedByAWildcardIsFollowedInsideItsTree) {
  write("real.txt", "real\n");
  fs::create_symlink("real.txt", ctx() / "link.txt");
  write("stage/etc/conf", "conf\n");
  fs::create_symlink("/etc/conf", ctx() / "stage/conf-link");
  fs::create_symlink("../../real.txt", ctx() / "climb.txt");
  const Outcome o = build(
      "FROM scratch AS s\nCOPY stage /\n"
      "FROM scratch\nCOPY link* /w/\nCOPY --from=s /conf-link /from-stage\nCOPY --from=s / /whole/\n");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_FALSE(fs::is_symlink(out() / "w/link.txt"));
  EXPECT_EQ(read_file(out() / "w/link.txt"), "real\n");
  EXPECT_FALSE(fs::is_symlink(out() / "from-stage"));
  EXPECT_EQ(read_file(out() / "from-stage"), "conf\n") << "the stage's /etc/conf, not the host's";
  ASSERT_TRUE(fs::is_symlink(out() / "whole/conf-link")) << "links inside a copied directory stay links";

  // A link that climbs out of the context stops at its root, as `..` does at / in a container:
  // ../../real.txt is the context's real.txt. One to a path the context lacks is not found.
  const Outcome climb = build("FROM scratch\nCOPY climb.txt /c\n");
  ASSERT_EQ(climb.exit_code, 0) << climb.err;
  EXPECT_EQ(read_file(out() / "c"), "real\n");
  fs::create_symlink("../outside.txt", ctx() / "out.txt");
  write_file_atomic(ctx().parent_path() / "outside.txt", "host\n");
  const Outcome out_of_context = build("FROM scratch\nCOPY out.txt /o\n");
  EXPECT_EQ(out_of_context.exit_code, 1);
  EXPECT_NE(out_of_context.err.find("`out.txt` not found in the build context"), std::string::npos)
      << out_of_context.err;
}

TEST_F(CopyFlagsTest, ASyntaxDirectiveNamingAnotherFrontendIsWarnedAboutOnce) {
  write("a", "a\n");
  const Outcome other = build("# syntax=tonistiigi/dockerfile:x\nFROM scratch\nCOPY a /a\nCOPY a /b\n");
  ASSERT_EQ(other.exit_code, 0) << other.err;
  const std::string warning = "# syntax=tonistiigi/dockerfile:x is not run: gantry reads the Dockerfile with its "
                              "built-in frontend, which follows docker/dockerfile:1.";
  const auto at = other.err.find(warning);
  ASSERT_NE(at, std::string::npos) << other.err;
  EXPECT_EQ(other.err.find(warning, at + 1), std::string::npos) << "once: " << other.err;

  const Outcome ours = build("# syntax=docker/dockerfile:1.7\nFROM scratch\nCOPY a /a\n");
  ASSERT_EQ(ours.exit_code, 0) << ours.err;
  EXPECT_EQ(ours.err.find("# syntax="), std::string::npos) << ours.err;
}

TEST_F(CopyFlagsTest, ACopysKeyChangesExactlyWhenWhatItCopiesDoes) {
  write("dir/keep.c", "k\n");
  write("dir/drop.log", "d\n");
  write("x/y/a.txt", "a\n");
  write("x/y/b.md", "b\n");
  const std::string exclude_log = "FROM scratch\nCOPY --exclude=*.log dir /d/\nCOPY --parents x/./y/*.txt /p/\n";
  // Whether the step printed as `[n/m] STEP` was taken from the cache.
  auto cached = [](const Outcome& o, const std::string& step) {
    const auto at = o.err.find("] " + step + "\n");
    if (at == std::string::npos) {
      ADD_FAILURE() << "no step " << step << " in " << o.err;
      return false;
    }
    const auto line = o.err.rfind('\n', at) + 1;  // 0 when it is the first line
    const std::string id = o.err.substr(line, o.err.find(' ', line) - line);  // "#2"
    return o.err.find(id + " CACHED\n") != std::string::npos;
  };
  ASSERT_EQ(build(exclude_log).exit_code, 0);
  write("dir/drop.log", "changed\n");
  write("x/y/b.md", "changed\n");
  // An excluded file and one no --parents pattern names changed: the last step is cached, so
  // every step is (the ones before it are not even looked at).
  Outcome o = build(exclude_log);
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_TRUE(cached(o, "COPY --parents x/./y/*.txt /p/")) << o.err;
  EXPECT_EQ(o.err.find("COPY --exclude"), std::string::npos) << o.err;

  write("dir/keep.c", "changed\n");
  o = build(exclude_log);
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_FALSE(cached(o, "COPY --exclude=*.log dir /d/")) << o.err;
  EXPECT_EQ(read_file(out() / "d/keep.c"), "changed\n");
  write("x/y/a.txt", "changed\n");
  o = build(exclude_log);
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_FALSE(cached(o, "COPY --parents x/./y/*.txt /p/")) << o.err;
  EXPECT_EQ(read_file(out() / "p/y/a.txt"), "changed\n");

  // Editing the patterns re-runs the copy, and the image has what the new ones leave in.
  o = build("FROM scratch\nCOPY --exclude=*.c dir /d/\n");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_FALSE(cached(o, "COPY --exclude=*.c dir /d/")) << o.err;
  EXPECT_EQ(listing("d"), (Paths{"drop.log"}));
  o = build("FROM scratch\nCOPY --chmod=u+x dir /d/\n");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(mode_of("d/keep.c"), 0744u);
}

}  // namespace gantry::e2e

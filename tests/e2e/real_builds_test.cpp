// The real builds of issue 4, exported as oci-archives and checked by the tools that consume
// them: a RUN chain on busybox whose deletions must survive into the image (umoci unpack, the
// layers' whiteouts, podman run), and multi-stage Go and C++ builds whose builder stage is a
// Debian toolchain image made by scripts/mkbase-debian.sh, run by podman.
#include <gtest/gtest.h>

#include <algorithm>

#include "base/file_util.h"
#include "tests/e2e/gantry_runner.h"
#include "tests/e2e/oci_archive_reader.h"

namespace gantry::e2e {

namespace fs = std::filesystem;

namespace {

// podman runs the image's own command; its output must contain `expect`.
Outcome podman_runs(const fs::path& archive, const std::string& expect, const fs::path& scratch) {
  return run_command({(shared_tools() / "oci-validate.sh").string(), "--run", "", "--expect", expect,
                      archive.string()},
                     {{"GANTRY_VALIDATE_DIR", (scratch / "validate").string()}});
}

bool has_entry(const std::vector<std::string>& layer, const std::string& name) {
  return std::find(layer.begin(), layer.end(), name) != layer.end();
}

// The Debian toolchain rootfs (g++, make, cmake, golang-go). The script returns at once when
// its cached tarball is current; it takes a few minutes only the first time on a machine. A test
// that needs it fails (it does not skip) when it cannot be made.
fs::path debian_toolchain_tar() {
  const char* dir = std::getenv("GANTRY_FIXTURES");
  fs::path tar = fs::path(dir ? dir : "/var/tmp/gantry-fixtures") / "debian-toolchain-v2.tar";
  Outcome o = run_command({(source_dir() / "scripts/mkbase-debian.sh").string(), tar.string()});
  if (o.exit_code != 0) throw std::runtime_error("scripts/mkbase-debian.sh failed: " + o.err);
  return tar;
}

class RealBuildTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists(shared_tools() / "oci-validate.sh")) << "podman checks need it";
    env_.import_busybox();
  }

  void import_toolchain() const {
    Outcome o = env_.gantry({"import", debian_toolchain_tar().string(), "debian-toolchain:latest"});
    ASSERT_EQ(o.exit_code, 0) << o.err;
  }

  // Builds testdata/<name> as an oci-archive; returns its path.
  fs::path build_archive(const std::string& name) const {
    fs::path archive = env_.scratch() / (name + ".tar");
    Outcome b = env_.gantry({"build", "--progress=plain", "--network=none", "-t", name + ":1", "-o",
                             "type=oci,dest=" + archive.string(), testdata(name).string()});
    EXPECT_EQ(b.exit_code, 0) << b.err;
    return archive;
  }

  GantryEnv env_;
};

}  // namespace

TEST_F(RealBuildTest, RunChainDeletionsAndReplacedDirectorySurviveIntoTheImage) {
  const fs::path archive = build_archive("run-chain");
  ASSERT_TRUE(fs::exists(archive));
  const UnpackedImage image = unpack_oci_archive(archive, env_.scratch() / "unpacked");

  const fs::path data = image.rootfs / "data";
  EXPECT_EQ(read_file(data / "keep/same.txt"), "one\n");
  EXPECT_EQ(read_file(data / "keep/changed.txt"), "old\nnew\n");
  EXPECT_EQ(read_file(data / "keep/added.txt"), "two\n");
  EXPECT_FALSE(fs::exists(data / "keep/deleted.txt"));
  EXPECT_FALSE(fs::exists(data / "gone"));
  EXPECT_FALSE(fs::exists(data / "replaced/old.txt"));
  EXPECT_EQ(read_file(data / "replaced/new.txt"), "fresh\n");
  EXPECT_FALSE(fs::exists(image.rootfs / "home/user"));
  EXPECT_TRUE(fs::exists(image.rootfs / "bin/busybox"));

  // busybox + one layer per RUN; each RUN layer says what it removed in OCI form.
  ASSERT_EQ(image.layers.size(), 5u);
  const auto& second = image.layers[2];
  EXPECT_TRUE(has_entry(second, "data/keep/.wh.deleted.txt"));
  EXPECT_TRUE(has_entry(second, "data/keep/changed.txt"));
  EXPECT_FALSE(has_entry(second, "data/keep/same.txt")) << "an unchanged file was copied up";
  const auto& third = image.layers[3];
  EXPECT_TRUE(has_entry(third, "data/.wh.gone"));
  EXPECT_TRUE(has_entry(third, "data/replaced/.wh..wh..opq"));
  EXPECT_TRUE(has_entry(third, "data/replaced/new.txt"));
  EXPECT_TRUE(has_entry(image.layers[4], "home/.wh.user"));

  Outcome run = podman_runs(archive, "old new fresh added.txt changed.txt same.txt keep replaced",
                            env_.scratch());
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("PASS podman-run"), std::string::npos) << run.out;
}

TEST_F(RealBuildTest, MultiStageGoBuildRunsFromScratchInPodman) {
  import_toolchain();
  const fs::path archive = build_archive("go-multistage");
  ASSERT_TRUE(fs::exists(archive));
  const UnpackedImage image = unpack_oci_archive(archive, env_.scratch() / "unpacked");
  // FROM scratch + one COPY: the program and nothing else
  ASSERT_EQ(image.layers.size(), 1u);
  EXPECT_TRUE(has_entry(image.layers[0], "primes"));
  EXPECT_FALSE(fs::exists(image.rootfs / "bin"));

  Outcome run = podman_runs(archive, "go says: first 10 primes: 2 3 5 7 11 13 17 19 23 29",
                            env_.scratch());
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("PASS podman-run"), std::string::npos) << run.out;
}

TEST_F(RealBuildTest, MultiStageCppBuildRunsOnBusyboxInPodman) {
  import_toolchain();
  const fs::path archive = build_archive("cpp-multistage");
  ASSERT_TRUE(fs::exists(archive));
  const UnpackedImage image = unpack_oci_archive(archive, env_.scratch() / "unpacked");
  ASSERT_EQ(image.layers.size(), 2u);  // busybox + the binary
  EXPECT_TRUE(fs::is_regular_file(image.rootfs / "usr/local/bin/squares"));
  EXPECT_FALSE(fs::exists(image.rootfs / "usr/bin/g++")) << "the builder leaked into the image";

  Outcome run = podman_runs(archive, "c++ says: sum of squares 1..10 = 385", env_.scratch());
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("PASS podman-run"), std::string::npos) << run.out;
}

}  // namespace gantry::e2e

// Images and builds for other platforms than the host's (issue 19): an arm64 busybox made from
// Debian's arm64 package (scripts/mkrootfs-busybox-arm64.sh), its RUN steps run under QEMU
// through the binfmt_misc handlers scripts/binfmt.sh registers.
#include <gtest/gtest.h>

#include <cstdlib>

#include "tests/e2e/gantry_runner.h"

namespace gantry::e2e {

namespace fs = std::filesystem;

namespace {

fs::path fixtures_dir() {
  const char* dir = std::getenv("GANTRY_FIXTURES");
  return dir && *dir ? dir : "/var/tmp/gantry-fixtures";
}

fs::path busybox_arm64_tar() { return fixtures_dir() / "busybox-arm64-rootfs.tar"; }

class MultiPlatformTest : public ::testing::Test {
 protected:
  // What every test here needs of the host, made once (both scripts do nothing when it is there).
  static void SetUpTestSuite() {
    Outcome binfmt = run_command({(source_dir() / "scripts/binfmt.sh").string()});
    ASSERT_EQ(binfmt.exit_code, 0) << "scripts/binfmt.sh: " << binfmt.err;
    Outcome fixture = run_command(
        {(source_dir() / "scripts/mkrootfs-busybox-arm64.sh").string(), busybox_arm64_tar().string()});
    ASSERT_EQ(fixture.exit_code, 0) << "scripts/mkrootfs-busybox-arm64.sh: " << fixture.err;
  }

  // The arm64 busybox as busybox-arm64:latest.
  void import_busybox_arm64() const {
    Outcome o = env_.gantry({"import", "--platform", "linux/arm64", busybox_arm64_tar().string(), "busybox-arm64"},
                            {{"SOURCE_DATE_EPOCH", "0"}});
    ASSERT_EQ(o.exit_code, 0) << o.err;
  }

  GantryEnv env_;
};

}  // namespace

TEST_F(MultiPlatformTest, TheArm64BusyboxImportsAsAnArm64ImageOfAarch64Programs) {
  import_busybox_arm64();
  const nlohmann::json config = env_.image_config("busybox-arm64");
  EXPECT_EQ(config.value("architecture", ""), "arm64") << config.dump();
  EXPECT_EQ(config.value("os", ""), "linux") << config.dump();
  // The busybox inside is an aarch64 program, as file(1) reads it.
  const fs::path unpacked = env_.scratch() / "unpacked";
  fs::create_directories(unpacked);
  Outcome tar = run_command({"tar", "-xf", busybox_arm64_tar().string(), "-C", unpacked.string(), "./bin/busybox"});
  ASSERT_EQ(tar.exit_code, 0) << tar.err;
  Outcome file = run_command({"file", "-b", (unpacked / "bin/busybox").string()});
  EXPECT_NE(file.out.find("ARM aarch64"), std::string::npos) << file.out;
}

TEST_F(MultiPlatformTest, InfoListsTheHostsPlatformThenThoseQemuRuns) {
  Outcome o = env_.gantry({"info"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  std::string listed;
  for (const std::string& line : lines_of(o.out))
    if (line.starts_with("Platforms:")) listed = line;
  // scripts/binfmt.sh registered these in the set-up.
  for (const char* platform : {"linux/arm64", "linux/arm/v7", "linux/riscv64", "linux/ppc64le", "linux/s390x"})
    EXPECT_NE(listed.find(platform), std::string::npos) << platform << " in " << o.out;
  EXPECT_TRUE(listed.starts_with("Platforms:         linux/amd64, ")) << o.out;
}

}  // namespace gantry::e2e

// Images and builds for other platforms than the host's (issue 19): an arm64 busybox made from
// Debian's arm64 package (scripts/mkrootfs-busybox-arm64.sh), its RUN steps run under QEMU
// through the binfmt_misc handlers scripts/binfmt.sh registers.
#include <gtest/gtest.h>

#include <sys/utsname.h>

#include <cstdlib>

#include "base/file_util.h"
#include "base/platform.h"
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

  // `dockerfile` as the Dockerfile of a context of its own; returns the context.
  fs::path context(const std::string& name, const std::string& dockerfile) const {
    const fs::path dir = env_.scratch() / name;
    fs::create_directories(dir);
    write_file_atomic(dir / "Dockerfile", dockerfile);
    return dir;
  }

  // The content of `path` in `image`, as a container of it prints it.
  std::string file_in(const std::string& image, const std::string& path,
                      const std::vector<std::string>& run_flags = {}) const {
    std::vector<std::string> args = {"run", "--rm", "--network", "none"};
    args.insert(args.end(), run_flags.begin(), run_flags.end());
    args.insert(args.end(), {image, "cat", path});
    Outcome o = env_.gantry(args);
    EXPECT_EQ(o.exit_code, 0) << o.err;
    return o.out;
  }

  GantryEnv env_;
};

std::string host_machine() {
  utsname u{};
  ::uname(&u);
  return u.machine;
}

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

TEST_F(MultiPlatformTest, AnArm64BuildRunsItsStepsUnderQemuAndMakesAnArm64Image) {
  import_busybox_arm64();
  const fs::path dir = context("arm", "FROM busybox-arm64\nRUN uname -m > /arch\nCMD [\"cat\", \"/arch\"]\n");
  const fs::path archive = env_.scratch() / "arm.tar";
  Outcome b = env_.gantry({"build", "--progress=plain", "--network=none", "--platform", "linux/arm64", "-t", "arm:1",
                           "-o", "type=oci,dest=" + archive.string(), dir.string()});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(file_in("arm:1", "/arch"), "aarch64\n");
  // skopeo reads it as linux/arm64, and podman runs it (under the same QEMU handler).
  Outcome v = run_command({(shared_tools() / "oci-validate.sh").string(), "--run", "", "--expect", "aarch64",
                           archive.string()},
                          {{"GANTRY_VALIDATE_DIR", (env_.scratch() / "validate").string()}});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("linux/arm64"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("PASS podman-run"), std::string::npos) << v.out;
  EXPECT_EQ(env_.image_config("arm:1").value("architecture", ""), "arm64");
  // gantry run --platform of it: its own command, emulated too.
  Outcome run = env_.gantry({"run", "--rm", "--network", "none", "--platform", "linux/arm64", "arm:1"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "aarch64\n");
  // Asked for another platform than the image's, run says so.
  Outcome wrong = env_.gantry({"run", "--rm", "--pull", "never", "--platform", "linux/s390x", "arm:1"});
  EXPECT_EQ(wrong.exit_code, 125);
  EXPECT_NE(wrong.err.find("image `arm:1` is for linux/arm64, not linux/s390x (--platform)"), std::string::npos)
      << wrong.err;
}

TEST_F(MultiPlatformTest, AStageFromBuildPlatformRunsNativelyWithTheAutomaticArgs) {
  import_busybox_arm64();
  env_.import_busybox();
  const fs::path dir = context("cross",
                               "FROM --platform=$BUILDPLATFORM busybox AS tools\n"
                               "ARG TARGETPLATFORM TARGETOS TARGETARCH TARGETVARIANT BUILDPLATFORM BUILDARCH\n"
                               "RUN uname -m > /arch && echo \"$BUILDPLATFORM $BUILDARCH -> $TARGETPLATFORM "
                               "$TARGETOS $TARGETARCH [$TARGETVARIANT]\" > /args\n"
                               "FROM busybox-arm64\n"
                               "COPY --from=tools /arch /tools-arch\n"
                               "COPY --from=tools /args /args\n"
                               "RUN uname -m > /arch\n");
  Outcome b = env_.gantry({"build", "--progress=plain", "--network=none", "--platform", "linux/arm64", "-t", "cross:1",
                           dir.string()});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(file_in("cross:1", "/tools-arch"), host_machine() + "\n");
  EXPECT_EQ(file_in("cross:1", "/arch"), "aarch64\n");
  const Platform host = host_platform();
  EXPECT_EQ(file_in("cross:1", "/args"), host.str() + " " + host.architecture + " -> linux/arm64 linux arm64 []\n");

  // The build platform's stage is the same step for every target: a build for the host reuses it.
  const fs::path native = context("native", "FROM --platform=$BUILDPLATFORM busybox AS tools\n"
                                            "ARG TARGETPLATFORM TARGETOS TARGETARCH TARGETVARIANT BUILDPLATFORM BUILDARCH\n"
                                            "RUN uname -m > /arch && echo \"$BUILDPLATFORM $BUILDARCH -> $TARGETPLATFORM "
                                            "$TARGETOS $TARGETARCH [$TARGETVARIANT]\" > /args\n");
  Outcome again = env_.gantry({"build", "--progress=plain", "--network=none", "--platform", "linux/arm64",
                               native.string()});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("CACHED"), std::string::npos) << again.err;
  // The same RUN for the host is another step: its TARGET args differ, and so does its key.
  Outcome for_host = env_.gantry({"build", "--progress=plain", "--network=none", native.string()});
  ASSERT_EQ(for_host.exit_code, 0) << for_host.err;
  EXPECT_EQ(for_host.err.find("CACHED"), std::string::npos) << for_host.err;
}

TEST_F(MultiPlatformTest, AStepOfAPlatformWithoutAHandlerFailsInOneLineSayingHowToEnableIt) {
  Outcome info = env_.gantry({"info"});
  if (info.out.find("linux/mips64le") != std::string::npos)
    GTEST_SKIP() << "this host runs linux/mips64le programs: no platform without a handler to try";
  const fs::path dir = context("mips", "FROM scratch\nRUN true\n");
  Outcome b = env_.gantry({"build", "--progress=quiet", "--platform", "linux/mips64le", dir.string()});
  EXPECT_EQ(b.exit_code, 1);
  EXPECT_EQ(lines_of(b.err).size(), 1u) << b.err;
  EXPECT_NE(b.err.find("Dockerfile:2: platform `linux/mips64le`: this host"), std::string::npos) << b.err;
  EXPECT_NE(b.err.find("`scripts/binfmt.sh mips64el`"), std::string::npos) << b.err;
}

TEST_F(MultiPlatformTest, BadPlatformListsAreRefusedNamingThem) {
  const fs::path dir = context("any", "FROM scratch\nCOPY Dockerfile /\n");
  Outcome malformed = env_.gantry({"build", "--platform", "linux/arm64/v8/x", dir.string()});
  EXPECT_EQ(malformed.exit_code, 125);
  EXPECT_NE(malformed.err.find("--platform: platform `linux/arm64/v8/x`: not os/architecture[/variant]"),
            std::string::npos)
      << malformed.err;
  Outcome twice = env_.gantry({"build", "--platform", "linux/arm64,linux/aarch64", dir.string()});
  EXPECT_EQ(twice.exit_code, 125);
  EXPECT_NE(twice.err.find("linux/arm64 is given twice"), std::string::npos) << twice.err;
}

}  // namespace gantry::e2e

// RUN --mount with the real binary: a cache mount keeps its content from one build to the next
// and never enters a layer; a secret is readable inside RUN (as a file and as an environment
// variable) and appears nowhere else: not in the image, the build graph or the build log.
#include <gtest/gtest.h>

#include "base/digest.h"
#include "base/file_util.h"
#include "tests/e2e/gantry_runner.h"

namespace gantry::e2e {

namespace fs = std::filesystem;

namespace {

class RunMountTest : public ::testing::Test {
 protected:
  void SetUp() override { env_.import_busybox(); }
  GantryEnv env_;
};

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

TEST_F(RunMountTest, CacheMountKeepsContentAcrossBuildsAndStaysOutOfTheLayer) {
  const fs::path first = env_.scratch() / "first", second = env_.scratch() / "second";
  Outcome a = env_.gantry({"build", "--build-arg", "RUN_ID=first", "-o", "type=local,dest=" + first.string(),
                           testdata("cache-mount").string()});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  Outcome b = env_.gantry({"build", "--build-arg", "RUN_ID=second", "-o", "type=local,dest=" + second.string(),
                           testdata("cache-mount").string()});
  ASSERT_EQ(b.exit_code, 0) << b.err;

  EXPECT_EQ(read_file(first / "seen-runs.txt"), "first\n");
  EXPECT_EQ(read_file(second / "seen-runs.txt"), "first\nsecond\n") << "the cache lost the first build's file";
  for (const fs::path& out : {first, second}) {
    EXPECT_FALSE(fs::exists(out / "var/cache/runs/log.txt")) << "the cache's content entered the layer";
  }
}

TEST_F(RunMountTest, SecretIsReadableInRunAndAbsentFromImageGraphAndLog) {
  const std::string value = "s3cr3t-" + sha256_of(env_.scratch().string()).short_hex();
  const fs::path secret_file = env_.scratch() / "api_key";
  write_file_atomic(secret_file, value);
  const std::string secret_flag = "id=api_key,src=" + secret_file.string();

  const fs::path rootfs = env_.scratch() / "rootfs.tar";
  Outcome b = env_.gantry({"build", "--progress=plain", "--secret", secret_flag, "-t", "secret:1", "-o",
                           "type=tar,dest=" + rootfs.string(), testdata("secret-mount").string()});
  ASSERT_EQ(b.exit_code, 0) << b.err;

  // read inside RUN: the image holds what the RUNs computed from it
  const fs::path out = env_.scratch() / "out";
  fs::create_directories(out);
  Outcome x = run_command({"tar", "-xf", rootfs.string(), "-C", out.string()});
  ASSERT_EQ(x.exit_code, 0) << x.err;
  const std::string expected_sha = sha256_of(value).hex();
  EXPECT_EQ(trimmed(read_file(out / "secret.sha256")), expected_sha);
  EXPECT_EQ(trimmed(read_file(out / "secret.length")), std::to_string(value.size()));
  EXPECT_EQ(trimmed(read_file(out / "secret-env.sha256")), expected_sha);

  // and nowhere else
  EXPECT_FALSE(fs::exists(out / "run/secrets/api_key"));
  EXPECT_EQ(read_file(rootfs).find(value), std::string::npos) << "the secret is in the image";
  EXPECT_EQ((b.out + b.err).find(value), std::string::npos) << "the secret is in the build log";
  Outcome llb = env_.gantry({"build", "--print=llb", "--secret", secret_flag, testdata("secret-mount").string()});
  ASSERT_EQ(llb.exit_code, 0) << llb.err;
  EXPECT_NE(llb.out.find("api_key"), std::string::npos) << "the graph should name the secret's id";
  EXPECT_EQ(llb.out.find(value), std::string::npos) << "the secret's value is in the build graph";
}

}  // namespace gantry::e2e

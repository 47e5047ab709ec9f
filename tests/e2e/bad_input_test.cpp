// Bad input: one line naming the file:line or the thing at fault, a non-zero exit, and nothing
// half-written left behind.
#include <gtest/gtest.h>

#include "tests/e2e/gantry_runner.h"

namespace gantry::e2e {

namespace fs = std::filesystem;

namespace {

class BadInputTest : public ::testing::Test {
 protected:
  void SetUp() override { env_.import_busybox(); }

  // The build fails with exit code 1, one "gantry: " line that contains every `needle`, and
  // no image named bad:1 in the store afterwards.
  void expect_failure(const Outcome& o, const std::vector<std::string>& needles, int code = 1) {
    EXPECT_EQ(o.exit_code, code) << o.err;
    auto pos = o.err.rfind("gantry: ");
    ASSERT_NE(pos, std::string::npos) << o.err;
    std::string line = o.err.substr(pos, o.err.find('\n', pos) - pos);
    for (const auto& n : needles) EXPECT_NE(line.find(n), std::string::npos) << line;
    auto images = env_.gantry({"images"});
    EXPECT_EQ(images.out.find("bad "), std::string::npos) << images.out;
  }

  GantryEnv env_;
};

}  // namespace

TEST_F(BadInputTest, MissingDockerfile) {
  expect_failure(env_.gantry({"build", "-t", "bad:1", env_.scratch().string()}), {"Dockerfile", "no such file"});
}

TEST_F(BadInputTest, UnknownInstructionNamesFileLineAndSuggests) {
  expect_failure(env_.gantry({"build", "-t", "bad:1", testdata("bad-instruction").string()}),
                 {"Dockerfile:2", "CPOY", "COPY"});
}

TEST_F(BadInputTest, MissingCopySourceNamesTheLineAndFile) {
  expect_failure(env_.gantry({"build", "-t", "bad:1", testdata("bad-copy").string()}),
                 {"Dockerfile:3", "missing.txt"});
}

// An image the store lacks is pulled, as docker does: with no registry to reach (no internet
// here), the error names the image and Docker Hub's endpoint. --pull=never does not try.
TEST_F(BadInputTest, UnknownImage) {
  expect_failure(env_.gantry({"build", "-t", "bad:1", testdata("bad-image").string()},
                             {{"GANTRY_REGISTRY_TIMEOUT", "30"}}),
                 {"Dockerfile:1", "pull nosuchimage:1.0", "registry-1.docker.io"});
  expect_failure(env_.gantry({"build", "--pull=never", "-t", "bad:1", testdata("bad-image").string()}),
                 {"Dockerfile:1", "nosuchimage:1.0", "--pull=never"});
}

TEST_F(BadInputTest, UnwritableOutputLeavesNothing) {
  fs::path dest = env_.scratch() / "no-such-dir" / "out.tar";
  expect_failure(env_.gantry({"build", "-t", "bad:1", "-o", "type=oci,dest=" + dest.string(),
                              testdata("busybox-app").string()}),
                 {dest.parent_path().string()}, 125);
  EXPECT_FALSE(fs::exists(dest.parent_path()));
  for (const auto& e : fs::directory_iterator(env_.scratch())) ADD_FAILURE() << "left behind: " << e.path();
}

TEST_F(BadInputTest, UnknownFlagIsAUsageError) {
  auto o = env_.gantry({"build", "--no-such-flag", "."});
  EXPECT_EQ(o.exit_code, 125);
  EXPECT_NE(o.err.find("--no-such-flag"), std::string::npos) << o.err;
}

TEST_F(BadInputTest, MalformedOutputIsAUsageError) {
  expect_failure(env_.gantry({"build", "-t", "bad:1", "-o", "type=floppy,dest=x", testdata("busybox-app").string()}),
                 {"floppy"}, 125);
}

TEST_F(BadInputTest, CorruptRootfsTarballForImport) {
  fs::path junk = env_.scratch() / "junk.tar";
  write_file_atomic(junk, std::string(3000, 'x'));
  auto o = env_.gantry({"import", junk.string(), "bad:1"});
  expect_failure(o, {"junk.tar"});
}

}  // namespace gantry::e2e

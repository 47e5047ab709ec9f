// Hostile Dockerfiles and .dockerignores against the frontend: each one fails with one line
// naming the file:line at fault and exit code 1 (125 for a bad flag), and leaves no image behind. Before, these crashed
// gantry with nothing printed (stack overflows), printed nlohmann's raw json.exception, or cut a
// RUN command short at a NUL byte and built it. (How long the inputs that were quadratic take is
// measured in bench/frontend, not here.)
#include <gtest/gtest.h>

#include "tests/e2e/gantry_runner.h"
#include "tests/frontend/hostile_dockerfiles.h"

namespace gantry::e2e {

namespace fs = std::filesystem;

namespace {

class HostileFrontendTest : public ::testing::Test {
 protected:
  // Writes the context: a Dockerfile and, when given, a .dockerignore.
  fs::path context(const std::string& dockerfile, const std::string& dockerignore = "") {
    fs::path dir = env_.scratch() / "ctx";
    fs::create_directories(dir);
    write_file_atomic(dir / "Dockerfile", dockerfile);
    if (!dockerignore.empty()) write_file_atomic(dir / ".dockerignore", dockerignore);
    return dir;
  }

  Outcome build(const fs::path& dir, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"build", "-t", "bad:1"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(dir.string());
    return env_.gantry(args);
  }

  // Exit code `code`, and stderr ends in one short "gantry: " line holding every needle; no
  // image was made.
  void expect_one_line_failure(const Outcome& o, const std::vector<std::string>& needles, int code = 1) {
    EXPECT_EQ(o.exit_code, code) << o.err.substr(0, 2000);
    std::string err = o.err;
    while (!err.empty() && err.back() == '\n') err.pop_back();
    std::string last = err.substr(err.rfind('\n') + 1);
    EXPECT_TRUE(last.starts_with("gantry: ")) << err.substr(0, 2000);
    EXPECT_LT(last.size(), 400u) << last.substr(0, 2000);
    for (const std::string& n : needles) EXPECT_NE(last.find(n), std::string::npos) << last.substr(0, 2000);
    Outcome images = env_.gantry({"images"});
    EXPECT_EQ(images.exit_code, 0) << images.err;
    EXPECT_EQ(images.out.find("bad"), std::string::npos) << images.out;
  }

  GantryEnv env_;
};

}  // namespace

TEST_F(HostileFrontendTest, NineThousandNestedSubstitutions) {
  Outcome o = build(context("FROM scratch\nENV X=" + frontend::hostile::nested_defaults(9000) + "\n"));
  expect_one_line_failure(o, {"Dockerfile:2: ", "nested more than 100 levels deep"});
}

TEST_F(HostileFrontendTest, EightThousandStageChain) {
  Outcome o = build(context(frontend::hostile::stage_chain(8001, false)));
  expect_one_line_failure(o, {"Dockerfile:7745: ", "chain of more than 256 stages"});
}

TEST_F(HostileFrontendTest, ThreeHundredThousandStepChain) {
  std::string dockerfile = "FROM scratch\n";
  for (int i = 0; i < 300000; ++i) dockerfile += "WORKDIR /a\n";
  Outcome o = build(context(dockerfile));
  expect_one_line_failure(o, {"Dockerfile:5002: ", "more than 5000 steps deep"});
}

TEST_F(HostileFrontendTest, InvalidUtf8InTheDockerfile) {
  Outcome o = build(context("FROM scratch\nLABEL name=caf\xE9\n"));
  expect_one_line_failure(o, {"Dockerfile:2: ", "invalid UTF-8 at column 15 (byte 0xe9)"});
}

TEST_F(HostileFrontendTest, InvalidUtf8InTheDockerignore) {
  Outcome o = build(context("FROM scratch\nCOPY . /\n", "*.log\nbuild\xFF/\n"));
  expect_one_line_failure(o, {".dockerignore:2: ", "invalid UTF-8 at column 6 (byte 0xff)"});
}

TEST_F(HostileFrontendTest, HugeDockerignorePattern) {
  Outcome o = build(context("FROM scratch\nCOPY . /\n", "*.log\n" + std::string(500000, '*') + "\n"));
  expect_one_line_failure(o, {".dockerignore:2: ", "a pattern of 500000 bytes, longer than any path"});
}

TEST_F(HostileFrontendTest, NulByteInARunLineIsNotACut) {
  env_.import_busybox();
  using namespace std::string_literals;
  Outcome o = build(context("FROM busybox\nRUN echo hi\0; echo cut > /cut\n"s));
  expect_one_line_failure(o, {"Dockerfile:2: ", "NUL byte at column 12"});
}

TEST_F(HostileFrontendTest, JsonNulCharacterInARunArgument) {
  env_.import_busybox();
  Outcome o = build(context("FROM busybox\nRUN [\"/bin/sh\", \"-c\", \"echo hi\\u0000; echo cut > /cut\"]\n"));
  expect_one_line_failure(o, {"Dockerfile:2: ", "NUL character (\\u0000)"});
}

TEST_F(HostileFrontendTest, BuildArgThatIsNotText) {
  Outcome o = build(context("FROM scratch\nARG A\nLABEL a=$A\n"), {"--build-arg", "A=x\xFF"});
  expect_one_line_failure(o, {"--build-arg \"A\": invalid UTF-8"}, 125);
}

}  // namespace gantry::e2e

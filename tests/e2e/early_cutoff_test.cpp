// Early cut-off: a step that re-runs but makes the same files leaves the steps that copy them
// (COPY --from) and every step after those cached, and the image the same, as BuildKit's
// content-based cache keys do; a step that makes other files invalidates them as before.
#include <gtest/gtest.h>

#include <chrono>
#include <sstream>
#include <thread>

#include "base/file_util.h"
#include "tests/e2e/gantry_runner.h"

namespace gantry::e2e {

namespace fs = std::filesystem;

namespace {

// A "compiler" that drops comment lines: a comment edit of app.src makes the same /out/app.
constexpr const char* kDockerfile =
    "FROM busybox AS build\n"
    "COPY app.src /src/app.src\n"
    "RUN mkdir -p /out && grep -v '^#' /src/app.src > /out/app && echo compiled\n"
    "FROM busybox\n"
    "COPY --from=build /out/app /usr/local/bin/app\n"
    "RUN cat /usr/local/bin/app > /installed && echo installed\n";

class EarlyCutoffTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_.import_busybox();
    fs::create_directories(context());
    write_file_atomic(context() / "Dockerfile", kDockerfile);
    write_file_atomic(context() / "app.src", "# version 1\nhello\n");
  }
  fs::path context() const { return env_.scratch() / "ctx"; }

  struct Build {
    std::string image;  // the image ID
    std::string log;    // plain progress
  };
  Build build() {
    const fs::path iid = env_.scratch() / "iid";
    auto o = env_.gantry({"build", "--progress=plain", "--network=none", "--iidfile", iid.string(),
                          context().string()});
    EXPECT_EQ(o.exit_code, 0) << o.err;
    return {o.exit_code == 0 ? read_file(iid) : "", o.err};
  }

  // "#N <what>" has a line "#N CACHED" in the log.
  static bool cached(const std::string& log, const std::string& what) {
    std::istringstream lines(log);
    std::string number;
    for (std::string line; std::getline(lines, line);) {
      const auto space = line.find(' ');
      if (space == std::string::npos) continue;
      if (line.find(what, space) != std::string::npos) number = line.substr(0, space);
      if (!number.empty() && line == number + " CACHED") return true;
    }
    return false;
  }
  // A step printed `marker` as a log line of its own ("#5 0.012 compiled").
  static bool ran(const std::string& log, const std::string& marker) {
    std::istringstream lines(log);
    for (std::string line; std::getline(lines, line);)
      if (line.starts_with("#") && line.ends_with(" " + marker) &&
          line.find("RUN") == std::string::npos)
        return true;
    return false;
  }

  GantryEnv env_;
};

}  // namespace

TEST_F(EarlyCutoffTest, SameOutputKeepsTheCopyAndLaterStepsCachedAndTheImage) {
  const Build first = build();
  ASSERT_TRUE(ran(first.log, "compiled") && ran(first.log, "installed")) << first.log;

  // Layers and configs carry times in seconds: a step that ran again would show in the image.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  write_file_atomic(context() / "app.src", "# version 2: only the comment changed\nhello\n");
  const Build second = build();
  EXPECT_TRUE(ran(second.log, "compiled")) << second.log;  // the builder step re-ran
  EXPECT_FALSE(ran(second.log, "installed")) << second.log;
  EXPECT_TRUE(cached(second.log, "COPY --from=build /out/app")) << second.log;
  EXPECT_TRUE(cached(second.log, "RUN cat /usr/local/bin/app")) << second.log;
  EXPECT_EQ(second.image, first.image);

  // And the next build of the same files takes everything from the cache at once.
  const Build third = build();
  EXPECT_FALSE(ran(third.log, "compiled") || ran(third.log, "installed")) << third.log;
  EXPECT_EQ(third.image, first.image);
}

TEST_F(EarlyCutoffTest, OtherOutputRerunsTheCopyAndLaterSteps) {
  const Build first = build();
  write_file_atomic(context() / "app.src", "# version 1\nhello, world\n");
  const Build second = build();
  EXPECT_TRUE(ran(second.log, "compiled")) << second.log;
  EXPECT_TRUE(ran(second.log, "installed")) << second.log;
  EXPECT_FALSE(cached(second.log, "COPY --from=build /out/app")) << second.log;
  EXPECT_NE(second.image, first.image);
}

TEST_F(EarlyCutoffTest, ModeOfTheCopiedFileCounts) {
  const Build first = build();
  write_file_atomic(context() / "Dockerfile",
                    std::string(kDockerfile)
                        .replace(std::string(kDockerfile).find("echo compiled"), 13,
                                 "chmod 700 /out/app && echo compiled"));
  const Build second = build();
  EXPECT_TRUE(ran(second.log, "installed")) << second.log;
  EXPECT_NE(second.image, first.image);
}

}  // namespace gantry::e2e

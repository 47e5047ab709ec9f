// gantry as a drop-in for the docker CLI (issue 15's acceptance test): the same script
// (tests/e2e/side_by_side_script.h) runs once with docker, against a private dockerd
// (scripts/test-dockerd.sh), and once with gantry, on the same Dockerfiles and the same base
// image, and each step's output must be the same. One test per step, so a run shows which
// agree. Skipped, saying why, only where dockerd cannot run.
#include <gtest/gtest.h>
#include <unistd.h>

#include "tests/e2e/docker_like_cli.h"
#include "tests/e2e/side_by_side_script.h"

namespace gantry::e2e {

namespace {

class DockerSideBySide : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (auto why_not = DockerCli::start_daemon()) {
      skip_reason_ = new std::string(*why_not);
      return;
    }
    env_ = new GantryEnv();
    setup_ = new ScriptSetup{"sbs-" + std::to_string(::getpid()), env_->scratch()};
    gantry_ = new GantryCli(env_->root());
    docker_ = new DockerCli();
    // The same base image in both: gantry's import of the busybox rootfs, saved and loaded
    // into dockerd (loading the same image again changes nothing there).
    env_->import_busybox();
    const auto base = env_->scratch() / "busybox.tar";
    base_transfer_ = new Outcome(gantry_->run({"save", "-o", base.string(), "busybox:latest"}));
    if (base_transfer_->exit_code == 0)
      *base_transfer_ = docker_->run({"load", "-i", base.string()});
    docker_transcript_ = new Transcript(run_side_by_side_script(*docker_, *setup_));
    gantry_transcript_ = new Transcript(run_side_by_side_script(*gantry_, *setup_));
  }

  static void TearDownTestSuite() {
    if (docker_) remove_script_images(*docker_, *setup_);
    delete docker_transcript_;
    delete gantry_transcript_;
    delete base_transfer_;
    delete docker_;
    delete gantry_;
    delete setup_;
    delete env_;
    delete skip_reason_;
  }

  void SetUp() override {
    if (skip_reason_) GTEST_SKIP() << *skip_reason_;
    ASSERT_EQ(base_transfer_->exit_code, 0)
        << "busybox:latest from gantry into docker: " << base_transfer_->err;
  }

  // The step's output from both tools must be the same.
  static void expect_same(const std::string& step) {
    const ScriptStep& d = docker_transcript_->at(step);
    const ScriptStep& g = gantry_transcript_->at(step);
    EXPECT_EQ(d.compared, g.compared) << "step `" << step << "`\n--- docker printed:\n"
                                      << d.context << "--- gantry printed:\n"
                                      << g.context;
  }

  // The suite's objects live from SetUpTestSuite to TearDownTestSuite (gtest's pattern for
  // state shared by a suite's tests).
  static inline std::string* skip_reason_ = nullptr;
  static inline GantryEnv* env_ = nullptr;
  static inline ScriptSetup* setup_ = nullptr;
  static inline GantryCli* gantry_ = nullptr;
  static inline DockerCli* docker_ = nullptr;
  static inline Outcome* base_transfer_ = nullptr;
  static inline Transcript* docker_transcript_ = nullptr;
  static inline Transcript* gantry_transcript_ = nullptr;
};

TEST_F(DockerSideBySide, BothBuildTheDockerfiles) {
  for (const auto& name : side_by_side_images()) {
    expect_same("build " + name);
    EXPECT_EQ(docker_transcript_->at("build " + name).compared, "exit 0\n")
        << "docker itself fails to build " << name << ":\n"
        << docker_transcript_->at("build " + name).context;
  }
}

TEST_F(DockerSideBySide, ImagesListsTheSameNames) { expect_same("images"); }

TEST_F(DockerSideBySide, InspectConfigIsTheSameForTheSameDockerfile) {
  for (const auto& name : side_by_side_images()) expect_same("inspect config " + name);
}

TEST_F(DockerSideBySide, HistoryShowsTheSameRows) {
  for (const auto& name : side_by_side_images()) expect_same("history " + name);
}

TEST_F(DockerSideBySide, HistoryTruncatesCreatedByAsDockerDoes) {
  expect_same("history truncated app");
}

TEST_F(DockerSideBySide, SaveThenLoadThroughPipesGivesTheImageBack) {
  expect_same("save | load app");
}

TEST_F(DockerSideBySide, RunExitsWithTheCommandsCode) { expect_same("run exit 3"); }

TEST_F(DockerSideBySide, RunOfAMissingCommandExits127) { expect_same("run missing command"); }

TEST_F(DockerSideBySide, RunUsesTheImagesEntrypointCmdUserAndWorkdir) {
  for (const auto& name : side_by_side_images()) expect_same("run " + name);
}

TEST_F(DockerSideBySide, RunWithAPtyInATerminal) { expect_same("run -t in a terminal"); }

// The base image went from gantry to docker by save and load; it keeps its ID there.
TEST_F(DockerSideBySide, TheBaseImageHasTheSameIdInBoth) {
  auto d = docker_->run({"inspect", "-f", "{{.Id}}", "busybox:latest"});
  auto g = gantry_->run({"inspect", "-f", "{{.Id}}", "busybox:latest"});
  ASSERT_EQ(g.exit_code, 0) << g.err;
  EXPECT_EQ(d.out, g.out) << d.err;
}

// And the other way: an image docker built and saved loads into gantry as the same image (its
// ID is the digest of its config, so the config is the same too).
TEST_F(DockerSideBySide, AnImageDockerSavedLoadsIntoGantryUnchanged) {
  const std::string ref = setup_->repo + "/multistage:1";
  const auto archive = env_->scratch() / "from-docker.tar";
  ASSERT_EQ(docker_->run({"save", "-o", archive.string(), ref}).exit_code, 0);
  auto load = gantry_->run({"load", "-i", archive.string()});
  ASSERT_EQ(load.exit_code, 0) << load.err;
  auto d = docker_->run({"inspect", "-f", "{{.Id}}", ref});
  auto g = gantry_->run({"inspect", "-f", "{{.Id}}", ref});
  ASSERT_EQ(g.exit_code, 0) << g.err;
  EXPECT_EQ(d.out, g.out) << d.err;
}

// And an image gantry built, whose layers gantry keeps as snapshots and packs straight into the
// archive, loads into docker with its ID: written by `gantry save` and by a build's
// `-o type=docker`.
TEST_F(DockerSideBySide, AnImageGantryBuiltLoadsIntoDockerWithItsId) {
  const std::string built = setup_->repo + "/multistage:1";
  const std::string saved = setup_->repo + "/gantry-saved:1";
  const std::string output = setup_->repo + "/gantry-output:1";
  ASSERT_EQ(gantry_->run({"tag", built, saved}).exit_code, 0);
  const auto saved_archive = env_->scratch() / "gantry-saved.tar";
  auto save = gantry_->run({"save", "-o", saved_archive.string(), saved});
  ASSERT_EQ(save.exit_code, 0) << save.err;
  const auto output_archive = env_->scratch() / "gantry-output.tar";
  auto build = gantry_->run({"build", "-q", "--network", "none", "-t", output, "-o",
                             "type=docker,dest=" + output_archive.string(),
                             (testdata("side-by-side") / "multistage").string()});
  ASSERT_EQ(build.exit_code, 0) << build.err;
  for (const auto& [name, archive] : {std::pair{saved, saved_archive}, std::pair{output, output_archive}}) {
    SCOPED_TRACE(name);
    auto load = docker_->run({"load", "-i", archive.string()});
    ASSERT_EQ(load.exit_code, 0) << load.err;
    auto d = docker_->run({"inspect", "-f", "{{.Id}}", name});
    auto g = gantry_->run({"inspect", "-f", "{{.Id}}", name});
    ASSERT_EQ(g.exit_code, 0) << g.err;
    EXPECT_EQ(d.out, g.out) << d.err;
    docker_->run({"rmi", name});
  }
}

}  // namespace

}  // namespace gantry::e2e

#include "engine/build_job.h"

#include <gtest/gtest.h>

#include <mutex>

#include "base/error.h"
#include "exporter/image.h"
#include "tests/engine/recording_messages.h"
#include "tests/engine/store_fixture.h"

namespace gantry::engine {

namespace fs = std::filesystem;

namespace {

// Keeps the solver's events' kinds, to see that the solve reported to the sink it was given.
class CountingProgress : public solver::ProgressSink {
 public:
  void event(const solver::ProgressEvent& e) override {
    std::lock_guard lock(mutex_);
    if (e.kind == solver::ProgressEvent::Kind::Done || e.kind == solver::ProgressEvent::Kind::Cached) ++finished;
  }
  int finished = 0;

 private:
  std::mutex mutex_;
};

class BuildJobTest : public testing::StoreFixture {
 protected:
  // File ops mount their overlays in this test's own mount namespace, as gantry's main does.
  static void SetUpTestSuite() { solver::isolate_mounts(); }

  BuildRequest request(const std::string& dockerfile) {
    const fs::path context = tmp_.path() / "context";
    fs::create_directories(context);
    write_file_atomic(context / "hello.txt", "hello\n");
    return {.input = {.context = context, .dockerfile_name = "Dockerfile", .dockerfile = dockerfile,
                      .identity = "build-job-test"}};
  }

  // Lowers, solves and finishes `r`, as gantry build does.
  exporter::ImageRecord build(BuildRequest r) {
    BuildJob job(std::move(r), store_, {.credentials = registry::CredentialStore({tmp_.path() / "auth.json"})},
                 messages_);
    job.lower();
    job.solve(executor_, progress_);
    return job.finish();
  }

  nlohmann::json config_of(const exporter::ImageRecord& image) {
    return exporter::read_image(store_.content(), image.manifest).config_json;
  }

  testing::RecordingMessages messages_;
  CountingProgress progress_;
  executor::Executor executor_{store_.root() / "executor"};
};

TEST_F(BuildJobTest, BuildsAndNamesTheImageReportingToItsSinksOnly) {
  auto r = request("FROM scratch\nCOPY hello.txt /\n");
  r.tags = {"app:1", "app:latest"};
  r.iidfile = (tmp_.path() / "iid").string();
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  const auto image = build(std::move(r));
  EXPECT_EQ(::testing::internal::GetCapturedStdout(), "");
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");

  EXPECT_EQ(store_.images().find("app:1"), image.manifest);
  EXPECT_EQ(store_.images().find("app:latest"), image.manifest);
  EXPECT_EQ(read_file(tmp_.path() / "iid"), image.config.str());
  EXPECT_GT(progress_.finished, 0);
  EXPECT_TRUE(messages_.infos.empty());
  EXPECT_TRUE(messages_.warnings.empty());
}

TEST_F(BuildJobTest, AnImageBuiltWithoutANameIsKeptUntagged) {
  const auto image = build(request("FROM scratch\nCOPY hello.txt /\n"));
  EXPECT_TRUE(store_.images().list().empty());
  ASSERT_EQ(store_.images().untagged().size(), 1u);
  EXPECT_EQ(store_.images().untagged()[0].manifest, image.manifest);
}

TEST_F(BuildJobTest, TheDockerfilesWarningsGoToTheMessages) {
  auto r = request("FROM scratch\nCOPY hello.txt /\n");
  r.build_args = {{"UNUSED", "1"}};
  ::testing::internal::CaptureStderr();
  build(std::move(r));
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  EXPECT_EQ(messages_.warnings, std::vector<std::string>{"Dockerfile: build arg UNUSED was not consumed by any ARG"});
}

TEST_F(BuildJobTest, SourceDateEpochComesFromTheRequestAndABuildArgOfThatNameWins) {
  auto from_request = request("FROM scratch\nCOPY hello.txt /\n");
  from_request.source_date_epoch = "1600000000";
  EXPECT_EQ(config_of(build(std::move(from_request)))["created"], "2020-09-13T12:26:40Z");

  auto from_arg = request("FROM scratch\nCOPY hello.txt /\n");
  from_arg.source_date_epoch = "1600000000";
  from_arg.build_args = {{"SOURCE_DATE_EPOCH", "1500000000"}};
  EXPECT_EQ(config_of(build(std::move(from_arg)))["created"], "2017-07-14T02:40:00Z");
  // The builder consumes it, with no ARG for it: no "not consumed" warning.
  EXPECT_EQ(messages_.warnings, std::vector<std::string>{});
}

TEST_F(BuildJobTest, AMalformedSourceDateEpochFailsBeforeTheBuild) {
  auto r = request("FROM scratch\nCOPY hello.txt /\n");
  r.source_date_epoch = "yesterday";
  EXPECT_THROW(BuildJob(std::move(r), store_, {.credentials = registry::CredentialStore({})}, messages_),
               UsageError);
}

TEST_F(BuildJobTest, EachOutputIsWrittenByItsType) {
  auto r = request("FROM scratch\nCOPY hello.txt /\n");
  r.outputs = {parse_output_spec("type=local,dest=" + (tmp_.path() / "rootfs").string()),
               parse_output_spec("type=tar,dest=" + (tmp_.path() / "rootfs.tar").string()),
               parse_output_spec("type=oci,dest=" + (tmp_.path() / "oci.tar").string()),
               parse_output_spec("type=docker,dest=" + (tmp_.path() / "docker.tar").string()),
               parse_output_spec("type=image,compression=zstd")};
  build(std::move(r));
  EXPECT_EQ(read_file(tmp_.path() / "rootfs/hello.txt"), "hello\n");
  for (const char* archive : {"rootfs.tar", "oci.tar", "docker.tar"})
    EXPECT_GT(fs::file_size(tmp_.path() / archive), 1024u) << archive;
}

TEST_F(BuildJobTest, TheStoreKeepsLayersUncompressedUnlessTheImageOutputSaysCompression) {
  const auto layer_type = [this](const std::string& output) {
    auto r = request("FROM scratch\nCOPY hello.txt /\n");
    r.outputs = {parse_output_spec(output)};
    const auto image = build(std::move(r));
    return exporter::read_image(store_.content(), image.manifest).manifest_json["layers"][0]["mediaType"];
  };
  EXPECT_EQ(layer_type("type=image,oci-mediatypes=false"), "application/vnd.docker.image.rootfs.diff.tar");
  EXPECT_EQ(layer_type("type=image,compression-level=3"), "application/vnd.oci.image.layer.v1.tar");
  EXPECT_EQ(layer_type("type=image,compression=gzip"), "application/vnd.oci.image.layer.v1.tar+gzip");
}

TEST_F(BuildJobTest, ARegistryOutputWithoutANameFailsBeforeTheBuild) {
  auto r = request("FROM scratch\nCOPY hello.txt /\n");
  r.outputs = {parse_output_spec("type=registry")};
  try {
    BuildJob job(std::move(r), store_, {.credentials = registry::CredentialStore({})}, messages_);
    FAIL() << "a push without a name was accepted";
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "--output type=registry: name the image to push with -t or name=");
  }
}

TEST_F(BuildJobTest, WithPullNeverAnUnknownImageIsNamedAndNothingIsPulled) {
  for (const char* dockerfile : {"FROM team/base:1\n", "FROM scratch\nCOPY --from=team/base:1 /x /x\n",
                                 "FROM scratch\nRUN --mount=from=team/base:1,target=/m true\n"}) {
    auto r = request(dockerfile);
    r.pull = PullPolicy::Never;
    BuildJob job(std::move(r), store_, {.credentials = registry::CredentialStore({})}, messages_);
    try {
      job.lower();
      FAIL() << "lowered an image the store lacks: " << dockerfile;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("image `team/base:1` is not in the local store, and --pull=never forbade "
                                           "pulling it"),
                std::string::npos)
          << e.what();
    }
  }
  EXPECT_TRUE(messages_.infos.empty());  // no pull was tried
}

TEST_F(BuildJobTest, FromAStoreImageBuildsOnItsLayers) {
  const auto base = import({{"etc/base", "1"}}, "base:1");
  auto r = request("FROM base:1\nCOPY hello.txt /\n");
  const auto image = build(std::move(r));
  const auto view = exporter::read_image(store_.content(), image.manifest);
  const auto base_view = exporter::read_image(store_.content(), base.manifest);
  ASSERT_EQ(view.config_json["rootfs"]["diff_ids"].size(), 2u);
  EXPECT_EQ(view.config_json["rootfs"]["diff_ids"][0], base_view.config_json["rootfs"]["diff_ids"][0]);
}

}  // namespace
}  // namespace gantry::engine

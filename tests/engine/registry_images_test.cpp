#include "engine/registry_images.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "exporter/image.h"
#include "tests/engine/recording_messages.h"
#include "tests/engine/store_fixture.h"

namespace gantry::engine {

namespace {

class RegistryImagesTest : public testing::StoreFixture {
 protected:
  RegistryAccess access() {
    RegistryAccess a{.credentials = registry::CredentialStore({tmp_.path() / "auth.json"})};
    a.options.connect_timeout_seconds = a.options.stall_timeout_seconds = a.options.total_timeout_seconds = 5;
    return a;
  }
  testing::RecordingMessages messages_;
};

TEST(PullPolicyTest, ParsesDockersValuesAndBuildxsBooleansForBuilds) {
  EXPECT_EQ(parse_pull_policy("always", "--pull"), PullPolicy::Always);
  EXPECT_EQ(parse_pull_policy("missing", "--pull"), PullPolicy::Missing);
  EXPECT_EQ(parse_pull_policy("never", "--pull"), PullPolicy::Never);
  EXPECT_EQ(parse_build_pull_policy("true", "--pull"), PullPolicy::Always);
  EXPECT_EQ(parse_build_pull_policy("false", "--pull"), PullPolicy::Missing);
  EXPECT_EQ(parse_build_pull_policy("never", "--pull"), PullPolicy::Never);
  try {
    parse_pull_policy("true", "--pull");  // docker run takes no boolean
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "invalid --pull value `true`: want always, missing or never");
  }
  EXPECT_THROW(parse_build_pull_policy("sometimes", "--pull"), UsageError);
}

TEST(PullPolicyTest, MissingPullsWhatTheStoreLacksAlwaysAllButAPinnedDigestItHasNeverNothing) {
  EXPECT_TRUE(pulls(PullPolicy::Missing, false, false));
  EXPECT_FALSE(pulls(PullPolicy::Missing, true, false));
  EXPECT_TRUE(pulls(PullPolicy::Always, true, false));
  EXPECT_TRUE(pulls(PullPolicy::Always, false, true));
  EXPECT_FALSE(pulls(PullPolicy::Always, true, true));
  EXPECT_FALSE(pulls(PullPolicy::Never, false, false));
  EXPECT_FALSE(pulls(PullPolicy::Never, true, false));
}

TEST(ReportPullTest, SaysWhichMirrorServedAndWhichWerePassedOver) {
  testing::RecordingMessages messages;
  registry::PullReport report;
  report.source = "mirror.example:5000";
  report.blobs_downloaded = 3;
  report.blobs_present = 1;
  report.mirror_failures = {"down.example: connection refused"};
  report_pull(ImageRef::parse("127.0.0.1:5000/team/app:1"), report, messages);
  EXPECT_EQ(messages.warnings, std::vector<std::string>{"mirror down.example: connection refused"});
  EXPECT_EQ(messages.infos, std::vector<std::string>{"pulled 127.0.0.1:5000/team/app:1 from mirror mirror.example:5000 "
                                                     "(3 blobs downloaded, 1 already present)"});
}

TEST_F(RegistryImagesTest, AStoreImageIsUsedWithoutAPull) {
  const auto base = import({{"etc/base", "1"}}, "127.0.0.1:1/team/base:1");
  const auto info = resolve_or_pull_image(store_, "127.0.0.1:1/team/base:1", access(), PullPolicy::Missing, host_platform(), messages_);
  EXPECT_EQ(info.manifest_digest, base.manifest);
  EXPECT_TRUE(messages_.infos.empty());
  // --pull=never uses it as well.
  EXPECT_EQ(resolve_or_pull_image(store_, "127.0.0.1:1/team/base:1", access(), PullPolicy::Never, host_platform(), messages_)
                .manifest_digest,
            base.manifest);
}

TEST_F(RegistryImagesTest, AlwaysAsksTheRegistryEvenForAStoreImage) {
  import({{"etc/base", "1"}}, "127.0.0.1:1/team/base:1");
  try {
    resolve_or_pull_image(store_, "127.0.0.1:1/team/base:1", access(), PullPolicy::Always, host_platform(), messages_);
    FAIL() << "--pull=always used the store's image without asking the registry";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("pull 127.0.0.1:1/team/base:1: registry 127.0.0.1:1 unreachable"),
              std::string::npos)
        << e.what();
  }
}

TEST_F(RegistryImagesTest, NeverFailsForAMissingImageWithoutTouchingTheNetwork) {
  for (const char* name : {"team/base:1", "busybox", "127.0.0.1:1/team/base:1"}) {
    try {
      resolve_or_pull_image(store_, name, access(), PullPolicy::Never, host_platform(), messages_);
      FAIL() << "resolved an image the store lacks: " << name;
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()),
                "image `" + std::string(name) + "` is not in the local store, and --pull=never forbade pulling it");
    }
  }
  EXPECT_TRUE(messages_.infos.empty());
  EXPECT_TRUE(messages_.warnings.empty());
}

TEST_F(RegistryImagesTest, RunFindsAnImageByIdWithoutAPullAndNamesWithOne) {
  const auto base = import({{"etc/base", "1"}}, "127.0.0.1:1/team/base:1");
  const std::string id = exporter::read_image(store_.content(), base.manifest).config.hex();
  EXPECT_EQ(find_or_pull_image(store_, id, access(), PullPolicy::Always, host_platform(), messages_), base.manifest);
  EXPECT_EQ(find_or_pull_image(store_, "127.0.0.1:1/team/base:1", access(), PullPolicy::Missing, host_platform(), messages_),
            base.manifest);
  EXPECT_THROW(find_or_pull_image(store_, "127.0.0.1:1/team/other:1", access(), PullPolicy::Missing, host_platform(), messages_),
               Error);
  EXPECT_TRUE(messages_.infos.empty());
}

TEST_F(RegistryImagesTest, AStoreImageOfAnotherPlatformCountsAsMissingButUnderNever) {
  const auto arm = import({{"etc/base", "1"}}, "127.0.0.1:1/team/base:1", nlohmann::json::object(), 1'700'000'000,
                          "linux/arm64");
  const Platform amd64 = Platform::parse("linux/amd64"), arm64 = Platform::parse("linux/arm64");
  // For its own platform it is used as it is.
  EXPECT_EQ(resolve_or_pull_image(store_, "127.0.0.1:1/team/base:1", access(), PullPolicy::Missing, arm64, messages_)
                .manifest_digest,
            arm.manifest);
  // For another, it is pulled (from a registry that is not there), and the failure says why.
  try {
    resolve_or_pull_image(store_, "127.0.0.1:1/team/base:1", access(), PullPolicy::Missing, amd64, messages_);
    FAIL() << "an arm64 image was taken for linux/amd64";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("image `127.0.0.1:1/team/base:1`: the local store has it for linux/arm64, not "
                                         "linux/amd64, and pulling it failed: pull 127.0.0.1:1/team/base:1: registry "
                                         "127.0.0.1:1 unreachable"),
              std::string::npos)
        << e.what();
  }
  // --pull=never keeps it (the InvalidBaseImagePlatform check tells the user).
  EXPECT_EQ(resolve_or_pull_image(store_, "127.0.0.1:1/team/base:1", access(), PullPolicy::Never, amd64, messages_)
                .manifest_digest,
            arm.manifest);
  // gantry run without --platform runs what the store has.
  EXPECT_EQ(find_or_pull_image(store_, "127.0.0.1:1/team/base:1", access(), PullPolicy::Missing, std::nullopt, messages_),
            arm.manifest);
  EXPECT_THROW(find_or_pull_image(store_, "127.0.0.1:1/team/base:1", access(), PullPolicy::Missing, amd64, messages_),
               Error);
}

TEST_F(RegistryImagesTest, AnImageOfAnUnreachableRegistryFailsNamingIt) {
  // Port 1 on loopback: nothing listens, the connection is refused at once.
  try {
    resolve_or_pull_image(store_, "127.0.0.1:1/team/base:1", access(), PullPolicy::Missing, host_platform(), messages_);
    FAIL() << "pulled from a registry that is not there";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:1"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(messages_.infos.empty());
  EXPECT_TRUE(store_.images().list().empty());
}

TEST_F(RegistryImagesTest, PushingAnImageTheStoreLacksFailsBeforeReachingTheRegistry) {
  try {
    push_image(store_, "127.0.0.1:1/team/app:1", "", access(), {}, messages_);
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "push 127.0.0.1:1/team/app:1: no such image in the local store");
  }
}

}  // namespace
}  // namespace gantry::engine

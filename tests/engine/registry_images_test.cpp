#include "engine/registry_images.h"

#include <gtest/gtest.h>

#include "base/error.h"
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

TEST(NamesRegistryTest, AHostWithADotOrAPortOrLocalhostNamesARegistry) {
  EXPECT_TRUE(names_registry("127.0.0.1:5000/team/app:1"));
  EXPECT_TRUE(names_registry("registry.example/app"));
  EXPECT_TRUE(names_registry("localhost/app"));
  EXPECT_FALSE(names_registry("busybox"));
  EXPECT_FALSE(names_registry("team/app:1"));
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
  const auto info = resolve_or_pull_image(store_, "127.0.0.1:1/team/base:1", access(), false, messages_);
  EXPECT_EQ(info.manifest_digest, base.manifest);
  EXPECT_TRUE(messages_.infos.empty());
}

TEST_F(RegistryImagesTest, ALocalNameMissingFromTheStoreIsNotPulled) {
  try {
    resolve_or_pull_image(store_, "team/base:1", access(), false, messages_);
    FAIL() << "resolved an image the store lacks";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not found in the local store"), std::string::npos) << e.what();
  }
}

TEST_F(RegistryImagesTest, AnImageOfAnUnreachableRegistryFailsNamingIt) {
  // Port 1 on loopback: nothing listens, the connection is refused at once.
  try {
    resolve_or_pull_image(store_, "127.0.0.1:1/team/base:1", access(), false, messages_);
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

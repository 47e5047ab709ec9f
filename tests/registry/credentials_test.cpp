#include "registry/credentials.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/file_util.h"

namespace gantry::registry {

namespace fs = std::filesystem;

class CredentialStoreTest : public ::testing::Test {
 protected:
  TempDir dir_{fs::temp_directory_path(), "gantry-creds-"};
  fs::path gantry_ = dir_.path() / "gantry" / "config.json";
  fs::path docker_ = dir_.path() / "docker.json";
};

TEST(Base64, RoundTripsWithEveryPadding) {
  EXPECT_EQ(base64_encode("gantry:gantry-pass"), "Z2FudHJ5OmdhbnRyeS1wYXNz");
  for (std::string s : {"", "a", "ab", "abc", "user:p\xc3\xa4ss"}) EXPECT_EQ(base64_decode(base64_encode(s)), s);
  EXPECT_THROW(base64_decode("abc"), Error);
}

TEST_F(CredentialStoreTest, SaveFindEraseKeepsOtherKeys) {
  write_file_atomic(docker_, R"({"auths":{"https://127.0.0.1:5000/v1/":{"auth":"Z2FudHJ5OmdhbnRyeS1wYXNz"}}})");
  fs::create_directories(gantry_.parent_path());
  write_file_atomic(gantry_, R"({"credsStore":"none","auths":{}})");
  CredentialStore store({gantry_, docker_});

  // Found in docker's file, under a key with a scheme and path.
  auto found = store.find("127.0.0.1:5000");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->username, "gantry");
  EXPECT_EQ(found->password, "gantry-pass");
  EXPECT_FALSE(store.find("127.0.0.1:5001"));

  // gantry's own file wins, and saving keeps its other keys.
  store.save("127.0.0.1:5000", {"other", "secret:with:colons"});
  EXPECT_EQ(store.find("127.0.0.1:5000")->password, "secret:with:colons");
  auto config = nlohmann::json::parse(read_file(gantry_));
  EXPECT_EQ(config["credsStore"], "none");
  EXPECT_EQ(fs::status(gantry_).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);

  EXPECT_TRUE(store.erase("127.0.0.1:5000"));
  EXPECT_FALSE(store.erase("127.0.0.1:5000"));
  EXPECT_EQ(store.find("127.0.0.1:5000")->username, "gantry");  // docker's file is never written
}

TEST_F(CredentialStoreTest, DockerHubUsesDockersKey) {
  CredentialStore store({gantry_});
  store.save("docker.io", {"me", "pw"});
  EXPECT_TRUE(nlohmann::json::parse(read_file(gantry_))["auths"].contains("https://index.docker.io/v1/"));
  EXPECT_EQ(store.find("docker.io")->username, "me");
}

TEST_F(CredentialStoreTest, MalformedConfigNamesTheFile) {
  write_file_atomic(docker_, "{not json");
  CredentialStore store({docker_});
  try {
    store.find("x");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(docker_.string()), std::string::npos) << e.what();
  }
}

}  // namespace gantry::registry

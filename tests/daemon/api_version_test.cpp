#include "daemon/api_version.h"

#include <gtest/gtest.h>

#include "daemon/api_error.h"

namespace gantry::daemon {
namespace {

int status_of(const std::string& path) {
  try {
    split_api_version(path);
  } catch (const ApiError& e) {
    return e.status();
  }
  return 200;
}

std::string message_of(const std::string& path) {
  try {
    split_api_version(path);
  } catch (const ApiError& e) {
    return e.what();
  }
  return "";
}

TEST(ApiVersion, ParsesMajorDotMinor) {
  EXPECT_EQ(ApiVersion::parse("1.41"), (ApiVersion{1, 41}));
  EXPECT_EQ(ApiVersion::parse("1.9")->str(), "1.9");
  EXPECT_FALSE(ApiVersion::parse("1"));
  EXPECT_FALSE(ApiVersion::parse("1.x"));
  EXPECT_FALSE(ApiVersion::parse(".41"));
  EXPECT_FALSE(ApiVersion::parse("1.41.2"));
  EXPECT_LT((ApiVersion{1, 9}), (ApiVersion{1, 24}));  // compared as numbers, not text
}

TEST(ApiVersion, SplitsTheVersionPrefixOff) {
  const auto split = split_api_version("/v1.30/images/json");
  EXPECT_EQ(split.version, (ApiVersion{1, 30}));
  EXPECT_EQ(split.path, "/images/json");
  EXPECT_EQ(split_api_version("/v1.41/images/team/app:1/json").path, "/images/team/app:1/json");
  EXPECT_EQ(split_api_version("/v1.41").path, "/");
}

TEST(ApiVersion, APathWithoutPrefixIsTheDaemonsVersion) {
  const auto split = split_api_version("/_ping");
  EXPECT_EQ(split.version, kApiVersion);
  EXPECT_EQ(split.path, "/_ping");
  // A path that starts with v but no digit is no prefix: /version is an endpoint.
  EXPECT_EQ(split_api_version("/version").path, "/version");
}

TEST(ApiVersion, TheVersionsServedAreFromTheMinimumToTheDaemons) {
  EXPECT_EQ(status_of("/v" + kApiVersion.str() + "/info"), 200);
  EXPECT_EQ(status_of("/v" + kMinApiVersion.str() + "/info"), 200);
  EXPECT_EQ(status_of("/v1.50/info"), 400);
  EXPECT_EQ(status_of("/v1.12/info"), 400);
}

TEST(ApiVersion, ATooNewVersionGetsDockerdsMessage) {
  EXPECT_EQ(
      message_of("/v1.50/version"),
      "client version 1.50 is too new. Maximum supported API version is " + kApiVersion.str());
  EXPECT_EQ(message_of("/v1.12/version"),
            "client version 1.12 is too old. Minimum supported API version is " +
                kMinApiVersion.str() + ", please upgrade your client to a newer version");
}

TEST(ApiVersion, APrefixThatIsNoVersionIsNotFound) {
  EXPECT_EQ(status_of("/v1.x/images/json"), 404);
  EXPECT_EQ(status_of("/v1/images/json"), 404);
}

}  // namespace
}  // namespace gantry::daemon

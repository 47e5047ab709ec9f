#include "daemon/registry_params.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace gantry::daemon {
namespace {

HttpRequest query(std::multimap<std::string, std::string> params) {
  HttpRequest request{.method = "POST", .path = "/images/create"};
  request.query = std::move(params);
  return request;
}

std::string usage_error(const HttpRequest& request) {
  try {
    parse_image_create_params(request);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "no error";
}

TEST(ImageCreateParams, APullNamesTheImageWithTheTagParameter) {
  const auto params =
      parse_image_create_params(query({{"fromImage", "127.0.0.1:5000/team/app"}, {"tag", "1.0"}}));
  const auto& pull = std::get<PullParams>(params);
  EXPECT_EQ(pull.image.familiar(), "127.0.0.1:5000/team/app:1.0");
  EXPECT_EQ(pull.platform, "");
}

TEST(ImageCreateParams, ATagMayBeADigestOrComeWithTheName) {
  const std::string digest = "sha256:" + std::string(64, 'a');
  EXPECT_EQ(std::get<PullParams>(
                parse_image_create_params(query({{"fromImage", "busybox"}, {"tag", digest}})))
                .image.familiar(),
            "busybox@" + digest);
  EXPECT_EQ(std::get<PullParams>(parse_image_create_params(query({{"fromImage", "busybox:1.36"}})))
                .image.familiar(),
            "busybox:1.36");
  // The tag parameter wins over the name's own, as dockerd reads them.
  EXPECT_EQ(std::get<PullParams>(
                parse_image_create_params(query({{"fromImage", "busybox:1.36"}, {"tag", "1.37"}})))
                .image.familiar(),
            "busybox:1.37");
  // A registry's port is no tag.
  EXPECT_EQ(usage_error(query({{"fromImage", "127.0.0.1:5000/app"}})),
            "POST /images/create: a pull of every tag of `127.0.0.1:5000/app` (docker pull "
            "--all-tags) is not supported; name a tag");
}

TEST(ImageCreateParams, APlatformIsKeptForThePullAndAMalformedOneRefused) {
  EXPECT_EQ(std::get<PullParams>(
                parse_image_create_params(
                    query({{"fromImage", "busybox"}, {"tag", "1"}, {"platform", "linux/arm64"}})))
                .platform,
            "linux/arm64");
  EXPECT_NE(usage_error(query({{"fromImage", "busybox"}, {"tag", "1"}, {"platform", "x/y/z/w"}})),
            "no error");
}

TEST(ImageCreateParams, AnImportTakesTheBodyOnly) {
  const auto params = parse_image_create_params(query({{"fromSrc", "-"},
                                                       {"repo", "imported:1"},
                                                       {"message", "from a tarball"},
                                                       {"changes", "CMD [\"sh\"]"},
                                                       {"changes", "ENV A=1"}}));
  const auto& import = std::get<ImportParams>(params);
  EXPECT_EQ(import.name, "imported:1");
  EXPECT_EQ(import.message, "from a tarball");
  EXPECT_EQ(import.changes, (std::vector<std::string>{"CMD [\"sh\"]", "ENV A=1"}));
  EXPECT_EQ(std::get<ImportParams>(parse_image_create_params(query({{"fromSrc", "-"}}))).name,
            std::nullopt);
  EXPECT_EQ(usage_error(query({{"fromSrc", "http://example.com/rootfs.tar"}})),
            "POST /images/create: fromSrc `http://example.com/rootfs.tar`: gantry imports only "
            "the request body (fromSrc=-), not a URL");
}

TEST(ImageCreateParams, WhatIsNeitherOrBothIsRefusedByName) {
  EXPECT_EQ(usage_error(query({})),
            "POST /images/create: give one of fromImage (a pull) and fromSrc (an import)");
  EXPECT_EQ(usage_error(query({{"fromImage", "busybox"}, {"fromSrc", "-"}})),
            "POST /images/create: give one of fromImage (a pull) and fromSrc (an import)");
  EXPECT_EQ(usage_error(query({{"fromImage", "busybox"}, {"tag", "1"}, {"message", "m"}})),
            "POST /images/create: `message` is for an import (fromSrc), not a pull");
  EXPECT_EQ(usage_error(query({{"fromImage", "busybox"}, {"tag", "1"}, {"quiet", "1"}})),
            "POST /images/create: the parameter `quiet=1` is not one gantry implements");
  EXPECT_NE(usage_error(query({{"fromImage", "Busybox"}, {"tag", "1"}})), "no error");
}

TEST(PushReference, ATagOrEveryTag) {
  EXPECT_EQ(push_reference("127.0.0.1:5000/app", "v1")->familiar(), "127.0.0.1:5000/app:v1");
  EXPECT_EQ(push_reference("127.0.0.1:5000/app:v2", "")->familiar(), "127.0.0.1:5000/app:v2");
  EXPECT_EQ(push_reference("127.0.0.1:5000/app", ""), std::nullopt);
  EXPECT_THROW(push_reference("127.0.0.1:5000/app", "bad tag"), UsageError);
}

}  // namespace
}  // namespace gantry::daemon

#include "base/platform.h"

#include <gtest/gtest.h>
#include <sys/utsname.h>

#include "base/error.h"

namespace gantry {

namespace {

using nlohmann::json;

// An index as Docker Hub serves busybox's: one manifest per platform, and for each a
// buildkit attestation manifest under "unknown/unknown".
json docker_hub_index() {
  auto entry = [](const std::string& digest_char, json platform) {
    return json{{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                {"digest", "sha256:" + std::string(64, digest_char[0])},
                {"size", 610},
                {"platform", std::move(platform)}};
  };
  auto attestation = [&](const std::string& digest_char, const std::string& of) {
    json e = entry(digest_char, {{"architecture", "unknown"}, {"os", "unknown"}});
    e["annotations"] = {{"vnd.docker.reference.digest", "sha256:" + std::string(64, of[0])},
                        {"vnd.docker.reference.type", "attestation-manifest"}};
    return e;
  };
  return json{{"schemaVersion", 2},
              {"mediaType", "application/vnd.oci.image.index.v1+json"},
              {"manifests",
               {entry("0", {{"architecture", "amd64"}, {"os", "linux"}}), attestation("1", "0"),
                entry("2", {{"architecture", "arm"}, {"os", "linux"}, {"variant", "v5"}}),
                entry("3", {{"architecture", "arm"}, {"os", "linux"}, {"variant", "v6"}}),
                entry("4", {{"architecture", "arm"}, {"os", "linux"}, {"variant", "v7"}}),
                entry("5", {{"architecture", "arm64"}, {"os", "linux"}, {"variant", "v8"}}),
                attestation("6", "5"), entry("7", {{"architecture", "386"}, {"os", "linux"}}),
                entry("8", {{"architecture", "ppc64le"}, {"os", "linux"}}),
                entry("9", {{"architecture", "s390x"}, {"os", "linux"}})}}};
}

std::optional<std::size_t> best_for(const std::string& wanted, const json& index) {
  return PlatformMatcher(Platform::parse(wanted)).best(index_platforms(index));
}

}  // namespace

TEST(Platform, ParsesAndNormalisesSpellings) {
  EXPECT_EQ(Platform::parse("linux/amd64").str(), "linux/amd64");
  EXPECT_EQ(Platform::parse("linux/x86_64").str(), "linux/amd64");
  EXPECT_EQ(Platform::parse("linux/amd64/v1").str(), "linux/amd64");
  EXPECT_EQ(Platform::parse("linux/amd64/v3").str(), "linux/amd64/v3");
  EXPECT_EQ(Platform::parse("linux/aarch64").str(), "linux/arm64");
  EXPECT_EQ(Platform::parse("linux/arm64/v8"), Platform::parse("linux/arm64"));
  EXPECT_EQ(Platform::parse("linux/arm64/8"), Platform::parse("linux/arm64"));
  EXPECT_EQ(Platform::parse("linux/arm").str(), "linux/arm/v7");
  EXPECT_EQ(Platform::parse("linux/armhf").str(), "linux/arm/v7");
  EXPECT_EQ(Platform::parse("linux/armel").str(), "linux/arm/v6");
  EXPECT_EQ(Platform::parse("linux/arm/6").str(), "linux/arm/v6");
  EXPECT_EQ(Platform::parse("Linux/i386").str(), "linux/386");
  EXPECT_EQ(Platform::parse("arm64").str(), "linux/arm64");
  const Platform windows = Platform::parse("windows(10.0.17763)/amd64");
  EXPECT_EQ(windows.os, "windows");
  EXPECT_EQ(windows.os_version, "10.0.17763");
}

TEST(Platform, RejectsWhatIsNoPlatform) {
  for (const char* bad :
       {"", "linux/", "/amd64", "linux/amd64/v8/x", "linux/amd 64", "linux(/amd64"}) {
    try {
      Platform::parse(bad);
      ADD_FAILURE() << "accepted `" << bad << "`";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("platform `" + std::string(bad) + "`"),
                std::string::npos)
          << e.what();
    }
  }
}

TEST(Platform, HostIsUnamesMachineNormalised) {
  struct utsname u;
  ASSERT_EQ(::uname(&u), 0);
  const Platform host = host_platform();
  EXPECT_EQ(host.os, "linux");
  EXPECT_EQ(host, Platform::parse("linux/" + std::string(u.machine)));
}

TEST(Platform, ReadsIndexEntriesAndSkipsAttestations) {
  const auto platforms = index_platforms(docker_hub_index());
  ASSERT_EQ(platforms.size(), 10u);
  EXPECT_EQ(platforms[0]->str(), "linux/amd64");
  EXPECT_EQ(platforms[1]->str(), "unknown/unknown");
  EXPECT_EQ(platforms[5]->str(), "linux/arm64");
  json no_platform = {{"manifests", {{{"digest", "sha256:" + std::string(64, 'a')}}}}};
  EXPECT_EQ(index_platforms(no_platform).size(), 1u);
  EXPECT_FALSE(index_platforms(no_platform)[0]);
  EXPECT_FALSE(PlatformMatcher(host_platform()).matches(*platforms[1]));
}

TEST(PlatformMatcher, PicksTheExactEntryOfADockerHubIndex) {
  const json index = docker_hub_index();
  EXPECT_EQ(best_for("linux/amd64", index), 0u);
  EXPECT_EQ(best_for("linux/x86_64", index), 0u);
  EXPECT_EQ(best_for("linux/arm64", index), 5u);
  EXPECT_EQ(best_for("linux/aarch64", index), 5u);
  EXPECT_EQ(best_for("linux/arm/v7", index), 4u);
  EXPECT_EQ(best_for("linux/armel", index), 3u);
  EXPECT_EQ(best_for("linux/arm/v5", index), 2u);
  EXPECT_EQ(best_for("linux/386", index), 7u);
  EXPECT_EQ(best_for("linux/s390x", index), 9u);
  EXPECT_FALSE(best_for("linux/riscv64", index));
  EXPECT_FALSE(best_for("windows/amd64", index));
}

TEST(PlatformMatcher, FallsBackToCompatibleLowerVariants) {
  json index = docker_hub_index();
  auto& m = index["manifests"];
  // Without arm/v7 and arm64, an arm/v7 machine runs v6 (not v5), an arm64 one too.
  m.erase(m.begin() + 5);
  m.erase(m.begin() + 4);
  EXPECT_EQ(best_for("linux/arm/v7", index), 3u);
  EXPECT_EQ(best_for("linux/arm64", index), 3u);
  EXPECT_FALSE(best_for("linux/arm/v5", json{{"manifests", {m[3]}}}));  // v6 does not run on v5
  // amd64/v3 prefers v3, then v2, then the baseline, then 386; never v4.
  auto amd64 = [](const std::string& variant) {
    json p = {{"os", "linux"}, {"architecture", "amd64"}};
    if (!variant.empty()) p["variant"] = variant;
    return json{{"digest", "sha256:" + std::string(64, 'f')}, {"platform", p}};
  };
  json levels = {{"manifests", {amd64(""), amd64("v4"), amd64("v2"), amd64("v3")}}};
  EXPECT_EQ(best_for("linux/amd64/v3", levels), 3u);
  EXPECT_EQ(best_for("linux/amd64/v2", levels), 2u);
  EXPECT_EQ(best_for("linux/amd64", levels), 0u);
  json only_386 = {{"manifests", {m[5]}}};
  ASSERT_EQ(index_platforms(only_386)[0]->str(), "linux/386");
  EXPECT_EQ(best_for("linux/amd64", only_386), 0u);
  EXPECT_FALSE(best_for("linux/386", json{{"manifests", {amd64("")}}}));
}

TEST(PlatformMatcher, ComparesOsVersionOnlyWhenAsked) {
  json windows = {
      {"manifests",
       {{{"digest", "sha256:" + std::string(64, 'a')},
         {"platform",
          {{"os", "windows"}, {"architecture", "amd64"}, {"os.version", "10.0.20348.1"}}}},
        {{"digest", "sha256:" + std::string(64, 'b')},
         {"platform",
          {{"os", "windows"}, {"architecture", "amd64"}, {"os.version", "10.0.17763.1"}}}}}}};
  EXPECT_EQ(best_for("windows/amd64", windows), 0u);
  EXPECT_EQ(best_for("windows(10.0.17763.1)/amd64", windows), 1u);
  EXPECT_FALSE(best_for("windows(6.3)/amd64", windows));
}

}  // namespace gantry

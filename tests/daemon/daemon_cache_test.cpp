#include "daemon/daemon_cache.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "base/file_util.h"

namespace gantry::daemon {
namespace {

using engine::parse_cache_from;
using engine::parse_cache_to;

TEST(DaemonCache, ARepositoryGetsATagForEachBuildsNameAndDockerfile) {
  const auto spec = parse_cache_to("type=registry,ref=127.0.0.1:5000/cache/builds,mode=max");
  const auto app = daemon_cache_for_build({spec}, "app:latest", "Dockerfile");
  ASSERT_EQ(app.size(), 1u);
  EXPECT_EQ(app[0].location.rfind("127.0.0.1:5000/cache/builds:app_latest-", 0), 0u)
      << app[0].location;
  EXPECT_EQ(app[0].attrs.at("ref"), app[0].location);
  EXPECT_TRUE(app[0].max_mode());
  // The same build on another daemon reads and writes the same tag; another project does not.
  EXPECT_EQ(daemon_cache_for_build({spec}, "app:latest", "Dockerfile")[0].location,
            app[0].location);
  EXPECT_NE(daemon_cache_for_build({spec}, "web:latest", "Dockerfile")[0].location,
            app[0].location);
  EXPECT_NE(daemon_cache_for_build({spec}, "app:latest", "ci/Dockerfile")[0].location,
            app[0].location);
  const auto untagged = daemon_cache_for_build({spec}, "", "Dockerfile");
  EXPECT_EQ(untagged[0].location.rfind("127.0.0.1:5000/cache/builds:untagged-", 0), 0u);
}

TEST(DaemonCache, ARefWithATagOrALocalDirectoryIsUsedAsGiven) {
  const std::vector<engine::CacheSpec> specs{
      parse_cache_from("type=registry,ref=reg:5000/c:shared"),
      parse_cache_from("type=local,src=/var/cache/gantry"),
      parse_cache_from("reg:5000/c@sha256:" + std::string(64, 'a'))};
  const auto out = daemon_cache_for_build(specs, "app:latest", "Dockerfile");
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].location, "reg:5000/c:shared");
  EXPECT_EQ(out[1].location, "/var/cache/gantry");
  EXPECT_EQ(out[2].location, "reg:5000/c@sha256:" + std::string(64, 'a'));
}

TEST(DaemonCache, AKeyNoCacheTypeTakesIsRefusedByName) {
  try {
    parse_cache_to("type=registry,ref=r/c,ignore-error=true");
    FAIL() << "ignore-error= was accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown key `ignore-error`"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(parse_cache_from("type=registry,ref=r/c,mode=max"), UsageError);
  EXPECT_THROW(parse_cache_to("type=inline,mode=max"), UsageError);
  EXPECT_NO_THROW(parse_cache_to("type=local,dest=/d,mode=max,compression=zstd"));
}

TEST(DaemonCache, TheDaemonsCredentialsServeItsCacheRegistriesOnly) {
  TempDir dir(std::filesystem::temp_directory_path());
  write_file_atomic(dir.path() / "config.json",
                    R"({"auths": {"cache.internal:5000": {"username": "builder", "password": "pw"},
                                  "private.example": {"username": "daemon", "password": "secret"}}})");
  const registry::CredentialStore daemon_credentials({dir.path() / "config.json"});
  nlohmann::json file = {{"auths",
                          {{"cache.internal:5000", {{"username", "client"}}},
                           {"other.example", {{"username", "client"}}}}}};
  add_cache_credentials(file,
                        {parse_cache_to("type=registry,ref=cache.internal:5000/c,mode=max"),
                         parse_cache_to("type=local,dest=/d")},
                        daemon_credentials);
  EXPECT_EQ(file["auths"]["cache.internal:5000"],
            (nlohmann::json{{"username", "builder"}, {"password", "pw"}}));
  EXPECT_EQ(file["auths"]["other.example"], (nlohmann::json{{"username", "client"}}));
  EXPECT_FALSE(file["auths"].contains("private.example"));
}

}  // namespace
}  // namespace gantry::daemon

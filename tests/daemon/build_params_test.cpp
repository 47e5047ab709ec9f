#include "daemon/build_params.h"

#include <gtest/gtest.h>

#include "base/base64.h"
#include "base/error.h"
#include "base/platform.h"

namespace gantry::daemon {
namespace {

using Query = std::multimap<std::string, std::string>;

std::string usage_error(const Query& query) {
  try {
    parse_build_params(query);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(BuildParams, NothingGivenIsADefaultBuild) {
  const BuildParams p = parse_build_params({});
  EXPECT_TRUE(p.request.tags.empty());
  EXPECT_EQ(p.dockerfile, "Dockerfile");
  EXPECT_EQ(p.request.network, "default");
  EXPECT_FALSE(p.request.no_cache);
  EXPECT_FALSE(p.quiet);
  EXPECT_EQ(p.request.pull, engine::PullPolicy::Missing);
  EXPECT_EQ(p.request.shm_bytes, executor::kDefaultShmBytes);
}

TEST(BuildParams, RemoteIsAGitOrHttpUrl) {
  EXPECT_EQ(parse_build_params({{"remote", "https://example.com/app.git#main:sub"}}).remote,
            "https://example.com/app.git#main:sub");
  EXPECT_EQ(parse_build_params({{"remote", "git@example.com:team/app"}}).remote,
            "git@example.com:team/app");
  EXPECT_EQ(parse_build_params({{"remote", "http://127.0.0.1:8080/ctx.tar.gz"}}).remote,
            "http://127.0.0.1:8080/ctx.tar.gz");
  EXPECT_EQ(parse_build_params({{"remote", ""}}).remote, "");
  EXPECT_NE(usage_error({{"remote", "ftp://example.com/ctx.tar"}}).find("build parameter `remote`"),
            std::string::npos);
  EXPECT_NE(usage_error({{"remote", "https://example.com/app.git?ref=a&branch=b"}}), "");
}

TEST(BuildParams, TagsRepeatAndAreFamiliarNames) {
  const BuildParams p =
      parse_build_params({{"t", "app"}, {"t", "docker.io/library/app:2"}, {"t", "reg:5000/x:1"}});
  EXPECT_EQ(p.request.tags, (std::vector<std::string>{"app:latest", "app:2", "reg:5000/x:1"}));
}

TEST(BuildParams, JsonParametersAreRead) {
  const BuildParams p =
      parse_build_params({{"buildargs", R"({"A":"1","B":null})"},
                          {"labels", R"({"team":"core"})"},
                          {"ulimits", R"([{"Name":"nofile","Soft":512,"Hard":1024}])"},
                          {"cachefrom", R"(["127.0.0.1:5000/cache:1"])"}});
  // A build arg the client named without a value is left out.
  EXPECT_EQ(p.request.build_args, (std::map<std::string, std::string>{{"A", "1"}}));
  EXPECT_EQ(p.request.labels, (std::map<std::string, std::string>{{"team", "core"}}));
  ASSERT_EQ(p.request.ulimits.size(), 1u);
  EXPECT_EQ(p.request.ulimits[0].name, "nofile");
  EXPECT_EQ(p.request.ulimits[0].soft, 512);
  EXPECT_EQ(p.request.ulimits[0].hard, 1024);
  ASSERT_EQ(p.request.cache_from.size(), 1u);
  EXPECT_EQ(p.request.cache_from[0].type, "registry");
  EXPECT_EQ(p.request.cache_from[0].location, "127.0.0.1:5000/cache:1");
}

TEST(BuildParams, NullJsonIsNothing) {
  // docker 20.10 sends "null" for an empty list or map.
  const BuildParams p = parse_build_params(
      {{"buildargs", "null"}, {"labels", "null"}, {"ulimits", "null"}, {"cachefrom", "null"}});
  EXPECT_TRUE(p.request.build_args.empty());
  EXPECT_TRUE(p.request.labels.empty());
  EXPECT_TRUE(p.request.ulimits.empty());
  EXPECT_TRUE(p.request.cache_from.empty());
}

TEST(BuildParams, FlagsAreReadAsDockerdReadsThem) {
  EXPECT_TRUE(parse_build_params({{"nocache", "1"}}).request.no_cache);
  EXPECT_TRUE(parse_build_params({{"nocache", "True"}}).request.no_cache);
  EXPECT_FALSE(parse_build_params({{"nocache", "0"}}).request.no_cache);
  EXPECT_FALSE(parse_build_params({{"nocache", "false"}}).request.no_cache);
  EXPECT_TRUE(parse_build_params({{"q", "1"}}).quiet);
  EXPECT_EQ(parse_build_params({{"pull", "1"}}).request.pull, engine::PullPolicy::Always);
}

TEST(BuildParams, SandboxParameters) {
  const BuildParams p = parse_build_params({{"extrahosts", "db:10.0.0.2"},
                                            {"extrahosts", "gw:host-gateway"},
                                            {"shmsize", "33554432"},
                                            {"networkmode", "none"}});
  ASSERT_EQ(p.request.extra_hosts.size(), 2u);
  EXPECT_EQ(p.request.extra_hosts[0].name, "db");
  EXPECT_EQ(p.request.extra_hosts[0].address, "10.0.0.2");
  EXPECT_EQ(p.request.extra_hosts[1].address, executor::kHostGateway);
  EXPECT_EQ(p.request.shm_bytes, 32 << 20);
  EXPECT_EQ(p.request.network, "none");
  EXPECT_EQ(parse_build_params({{"shmsize", "0"}}).request.shm_bytes, executor::kDefaultShmBytes);
  EXPECT_EQ(parse_build_params({{"networkmode", "bridge"}}).request.network, "default");
}

TEST(BuildParams, TheHostsPlatformIsTheOnlyOne) {
  EXPECT_EQ(usage_error({{"platform", host_platform().str()}}), "");
  EXPECT_NE(
      usage_error({{"platform", "linux/s390x"}}).find("build parameter `platform`: `linux/s390x`"),
      std::string::npos);
}

TEST(BuildParams, ParametersThatAskForNothingAreTaken) {
  // What docker 20.10 sends with every build.
  EXPECT_EQ(usage_error({{"rm", "1"},
                         {"forcerm", "0"},
                         {"cpusetcpus", ""},
                         {"cpusetmems", ""},
                         {"cpushares", "0"},
                         {"cpuquota", "0"},
                         {"cpuperiod", "0"},
                         {"memory", "0"},
                         {"memswap", "0"},
                         {"cgroupparent", ""},
                         {"version", "1"},
                         {"outputs", "null"}}),
            "");
}

TEST(BuildParams, AParameterNotImplementedIsRefusedByName) {
  EXPECT_EQ(usage_error({{"memory", "104857600"}}),
            "build parameter `memory=104857600`: gantry does not implement it");
  EXPECT_EQ(usage_error({{"squash", "1"}}),
            "build parameter `squash=1`: gantry does not implement it");
  EXPECT_EQ(usage_error({{"version", "2"}}),
            "build parameter `version=2`: gantry does not implement it");
  EXPECT_EQ(usage_error({{"frobnicate", "yes"}}),
            "build parameter `frobnicate=yes`: gantry does not implement it");
}

TEST(BuildParams, MalformedValuesAreUsageErrors) {
  EXPECT_EQ(usage_error({{"buildargs", "{nope"}}),
            "build parameter `buildargs`: `{nope` is not JSON");
  EXPECT_EQ(usage_error({{"labels", "[1]"}}),
            "build parameter `labels`: expected a JSON object of strings");
  EXPECT_EQ(usage_error({{"shmsize", "64m"}}),
            "build parameter `shmsize`: `64m` is not a whole number");
  EXPECT_EQ(
      usage_error({{"networkmode", "container:x"}}),
      "build parameter `networkmode`: `container:x` is not one of default, bridge, host, none");
  EXPECT_EQ(usage_error({{"extrahosts", "nohost"}}),
            "invalid extrahosts `nohost`: expected HOST:IP or HOST=IP");
  EXPECT_NE(usage_error({{"ulimits", R"([{"Name":"nosuch","Soft":1,"Hard":1}])"}})
                .find("`nosuch` is not one of"),
            std::string::npos);
  EXPECT_EQ(usage_error({{"ulimits", R"([{"Name":"nofile","Soft":10,"Hard":5}])"}}),
            "build parameter `ulimits`: the soft limit of `nofile` is above its hard limit");
  EXPECT_NE(usage_error({{"t", "a b"}}).find("`a b`"), std::string::npos);
}

TEST(RegistryConfig, TheHeaderBecomesAConfigFilesAuths) {
  const std::string auths =
      R"({"127.0.0.1:5000":{"username":"u","password":"p","serveraddress":"127.0.0.1:5000"},)"
      R"("https://index.docker.io/v1/":{"auth":"dTpw","email":"x@y"}})";
  const nlohmann::json file = registry_config_file(base64_encode(auths));
  EXPECT_EQ(file,
            nlohmann::json::parse(R"({"auths":{"127.0.0.1:5000":{"username":"u","password":"p"},)"
                                  R"("https://index.docker.io/v1/":{"auth":"dTpw"}}})"));
}

TEST(RegistryConfig, TheUrlAlphabetIsTaken) {
  // Go's base64.URLEncoding, which the docker CLI uses: '-' and '_' for '+' and '/'.
  const std::string auths = R"({"r":{"password":"~~~???"}})";
  std::string text = base64_encode(auths);
  ASSERT_NE(text.find_first_of("+/"), std::string::npos);
  for (char& c : text) c = c == '+' ? '-' : c == '/' ? '_' : c;
  EXPECT_EQ(registry_config_file(text)["auths"]["r"]["password"], "~~~???");
}

TEST(RegistryConfig, AnEmptyMapIsNoCredentials) {
  EXPECT_EQ(registry_config_file("e30="), nlohmann::json::parse(R"({"auths":{}})"));  // {}
  EXPECT_EQ(registry_config_file(base64_encode("null")),
            nlohmann::json::parse(R"({"auths":{}})"));
}

TEST(RegistryConfig, AHeaderThatIsNotBase64JsonIsAUsageError) {
  EXPECT_THROW(registry_config_file("%%%"), UsageError);
  EXPECT_THROW(registry_config_file(base64_encode("[1,2]")), UsageError);
  EXPECT_THROW(registry_config_file(base64_encode(R"({"r":"x"})")), UsageError);
}

}  // namespace
}  // namespace gantry::daemon

// Which host serves a registry, and mirrors written as docker's daemon.json writes them. No
// network: these are the names a client is made to reach.
#include "registry/registry_options.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "registry/credentials.h"

namespace gantry::registry {

namespace {

std::string mirror_error(const std::string& entry) {
  try {
    parse_mirror(entry);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(parsed)";
}

}  // namespace

TEST(EndpointHost, DockerIoIsServedByRegistry1AndOthersByThemselves) {
  EXPECT_EQ(endpoint_host("docker.io"), "registry-1.docker.io");
  EXPECT_EQ(endpoint_host("127.0.0.1:5000"), "127.0.0.1:5000");
  EXPECT_EQ(endpoint_host("registry.example"), "registry.example");
  // Credentials stay under docker's key for docker.io, not the endpoint's.
  EXPECT_EQ(auth_key_for("docker.io"), "https://index.docker.io/v1/");
}

TEST(ParseMirror, HostsAndUrlsAsDaemonJsonWritesThem) {
  EXPECT_EQ(parse_mirror("mirror.example:5000").host, "mirror.example:5000");
  EXPECT_FALSE(parse_mirror("mirror.example:5000").plain_http);
  EXPECT_EQ(parse_mirror("https://mirror.example").host, "mirror.example");
  EXPECT_EQ(parse_mirror("https://mirror.example/").host, "mirror.example");
  EXPECT_FALSE(parse_mirror("https://mirror.example").plain_http);
  const Mirror plain = parse_mirror("http://127.0.0.1:5000");
  EXPECT_EQ(plain.host, "127.0.0.1:5000");
  EXPECT_TRUE(plain.plain_http);
}

TEST(ParseMirror, OtherSchemesAndPathsAreErrorsNamingTheEntry) {
  EXPECT_NE(mirror_error("ftp://mirror.example").find("registry mirror `ftp://mirror.example`: unsupported scheme"),
            std::string::npos);
  EXPECT_NE(mirror_error("https://mirror.example/v2/").find("`https://mirror.example/v2/`: a path"), std::string::npos);
  EXPECT_NE(mirror_error("https://").find("no host"), std::string::npos);
}

TEST(RegistryOptions, MirrorsOfGiveHostsAndRememberWhichArePlainHttp) {
  RegistryOptions options{.mirrors = {{"docker.io", {"https://a.example", "http://127.0.0.1:5000", "b.example"}}}};
  EXPECT_EQ(options.mirrors_of("docker.io"), (std::vector<std::string>{"a.example", "127.0.0.1:5000", "b.example"}));
  EXPECT_TRUE(options.mirrors_of("quay.io").empty());
  EXPECT_TRUE(options.is_plain_http("127.0.0.1:5000"));
  EXPECT_FALSE(options.is_plain_http("a.example"));
  EXPECT_FALSE(options.is_plain_http("b.example"));
  EXPECT_FALSE(options.is_plain_http("docker.io"));
}

}  // namespace gantry::registry

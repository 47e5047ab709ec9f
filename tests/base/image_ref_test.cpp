#include "base/image_ref.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace gantry {

namespace {

// The message parse() throws for `text`.
std::string parse_error(const std::string& text) {
  try {
    ImageRef::parse(text);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(parsed)";
}

}  // namespace

TEST(ImageRef, ShortNamesAreDockerHubLibrary) {
  auto r = ImageRef::parse("busybox");
  EXPECT_EQ(r.registry, "docker.io");
  EXPECT_EQ(r.path, "library/busybox");
  EXPECT_EQ(r.tag, "latest");
  EXPECT_EQ(r.familiar(), "busybox:latest");
  EXPECT_EQ(r.canonical(), "docker.io/library/busybox:latest");
}

TEST(ImageRef, AUserRepositoryIsOnDockerHub) {
  auto r = ImageRef::parse("user/app");
  EXPECT_EQ(r.registry, "docker.io");
  EXPECT_EQ(r.path, "user/app");
  EXPECT_EQ(r.canonical(), "docker.io/user/app:latest");
  EXPECT_EQ(r.familiar(), "user/app:latest");
}

TEST(ImageRef, DockerHubsOtherHostNamesAreDockerIo) {
  for (const char* text : {"alpine", "alpine:latest", "docker.io/alpine", "docker.io/library/alpine:latest",
                           "index.docker.io/library/alpine", "registry-1.docker.io/library/alpine:latest",
                           "index.docker.io/alpine"}) {
    auto r = ImageRef::parse(text);
    EXPECT_EQ(r.canonical(), "docker.io/library/alpine:latest") << text;
    EXPECT_EQ(r.familiar(), "alpine:latest") << text;
  }
  EXPECT_EQ(ImageRef::parse("index.docker.io/user/app:2").familiar(), "user/app:2");
}

TEST(ImageRef, LibraryKeepsItsPrefixWhenTheRepositoryIsDeeper) {
  EXPECT_EQ(ImageRef::parse("library/a/b").familiar(), "library/a/b:latest");
}

TEST(ImageRef, RegistryWithPortAndTag) {
  auto r = ImageRef::parse("127.0.0.1:5000/team/app:1.2");
  EXPECT_EQ(r.registry, "127.0.0.1:5000");
  EXPECT_EQ(r.path, "team/app");
  EXPECT_EQ(r.tag, "1.2");
  EXPECT_EQ(r.familiar(), "127.0.0.1:5000/team/app:1.2");
}

TEST(ImageRef, LocalhostIsARegistry) {
  auto r = ImageRef::parse("localhost/busybox:latest");
  EXPECT_EQ(r.registry, "localhost");
  EXPECT_EQ(r.familiar(), "localhost/busybox:latest");
  EXPECT_EQ(ImageRef::parse("localhost:5000/x").canonical(), "localhost:5000/x:latest");
}

TEST(ImageRef, AFirstComponentWithoutDotColonOrLocalhostIsAPath) {
  EXPECT_EQ(ImageRef::parse("myhost/x").canonical(), "docker.io/myhost/x:latest");
  // Uppercase cannot be a repository's, so docker reads it as a host.
  EXPECT_EQ(ImageRef::parse("MyHost/x").registry, "MyHost");
}

TEST(ImageRef, IpV6Registry) {
  auto r = ImageRef::parse("[::1]:5000/app:1");
  EXPECT_EQ(r.registry, "[::1]:5000");
  EXPECT_EQ(r.path, "app");
}

TEST(ImageRef, DigestOnly) {
  auto d = sha256_of("x");
  auto r = ImageRef::parse("alpine@" + d.str());
  EXPECT_EQ(r.tag, "");
  EXPECT_EQ(r.digest, d);
  EXPECT_EQ(r.familiar(), "alpine@" + d.str());
  EXPECT_EQ(ImageRef::parse("registry.example/x@" + d.str()).registry, "registry.example");
}

TEST(ImageRef, TagAndDigestKeepBoth) {
  auto d = sha256_of("x");
  auto r = ImageRef::parse("busybox:1.36@" + d.str());
  EXPECT_EQ(r.tag, "1.36");
  EXPECT_EQ(r.digest, d);
  EXPECT_EQ(r.canonical(), "docker.io/library/busybox:1.36@" + d.str());
}

TEST(ImageRef, PathComponentsFollowDockersGrammar) {
  for (const char* good : {"a", "a.b", "a_b", "a__b", "a-b", "a---b", "a0/b1.c_d__e-f", "0"})
    EXPECT_NO_THROW(ImageRef::parse(good)) << good;
  for (const char* bad : {"a..b", "a___b", "_a", "a_", "-a", "a-", ".a", "a.", "a//b", "a/", "a._b", "a-_b"}) {
    const std::string message = parse_error(bad);
    EXPECT_NE(message.find("invalid reference format `" + std::string(bad) + "`"), std::string::npos) << message;
  }
}

TEST(ImageRef, UppercaseRepositoryMustBeLowercase) {
  for (const char* bad : {"Busybox", "docker.io/User/app", "127.0.0.1:5000/Team/app:1"})
    EXPECT_NE(parse_error(bad).find("repository name must be lowercase"), std::string::npos) << parse_error(bad);
  EXPECT_NE(parse_error("Busybox").find("`Busybox`"), std::string::npos);
}

TEST(ImageRef, BadTagsAndDigestsNameTheReference) {
  for (const char* bad : {"busybox:", "busybox:-x", "busybox:.x", "busybox:a+b"}) {
    const std::string message = parse_error(bad);
    EXPECT_NE(message.find("`" + std::string(bad) + "`"), std::string::npos) << message;
    EXPECT_NE(message.find("bad tag"), std::string::npos) << message;
  }
  EXPECT_EQ(parse_error("busybox:" + std::string(128, 'a')), "(parsed)");
  EXPECT_NE(parse_error("busybox:" + std::string(129, 'a')).find("bad tag"), std::string::npos);
  for (const char* bad : {"busybox@sha256:nothex", "busybox@md5:abcd", "busybox@", "busybox@sha256:ABC"}) {
    const std::string message = parse_error(bad);
    EXPECT_NE(message.find("`" + std::string(bad) + "`"), std::string::npos) << message;
    EXPECT_NE(message.find("bad digest"), std::string::npos) << message;
  }
}

TEST(ImageRef, RejectsMalformed) {
  EXPECT_THROW(ImageRef::parse(""), UsageError);
  EXPECT_THROW(ImageRef::parse("bad_host:x/app"), UsageError);  // a port must be digits
  EXPECT_THROW(ImageRef::parse("-host.example/app"), UsageError);
  EXPECT_THROW(ImageRef::parse(std::string(64, 'a')), UsageError);  // an image id, not a name
  EXPECT_THROW(ImageRef::parse("registry.example/" + std::string(250, 'a')), UsageError);
}

}  // namespace gantry

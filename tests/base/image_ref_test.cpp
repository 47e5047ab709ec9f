#include "base/image_ref.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace gantry {

TEST(ImageRef, ShortNamesAreDockerHubLibrary) {
  auto r = ImageRef::parse("busybox");
  EXPECT_EQ(r.registry, "docker.io");
  EXPECT_EQ(r.path, "library/busybox");
  EXPECT_EQ(r.tag, "latest");
  EXPECT_EQ(r.familiar(), "busybox:latest");
  EXPECT_EQ(r.canonical(), "docker.io/library/busybox:latest");
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
}

TEST(ImageRef, DigestOnly) {
  auto d = sha256_of("x");
  auto r = ImageRef::parse("alpine@" + d.str());
  EXPECT_EQ(r.tag, "");
  EXPECT_EQ(r.digest, d);
  EXPECT_EQ(r.familiar(), "alpine@" + d.str());
}

TEST(ImageRef, RejectsMalformed) {
  EXPECT_THROW(ImageRef::parse("Busybox"), UsageError);
  EXPECT_THROW(ImageRef::parse("busybox:"), UsageError);
  EXPECT_THROW(ImageRef::parse("busybox@sha256:nothex"), UsageError);
  EXPECT_THROW(ImageRef::parse(""), UsageError);
}

}  // namespace gantry

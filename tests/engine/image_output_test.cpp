#include "engine/image_output.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "tests/engine/recording_messages.h"

namespace gantry::engine {

namespace {

TEST(ImageOutputTest, EveryTypeButTheStoresOwnHasAnOutput) {
  testing::RecordingMessages messages;
  const RegistryAccess registry{.credentials = registry::CredentialStore({})};
  for (const char* spec : {"type=oci,dest=a.tar", "type=docker,dest=a.tar", "type=tar,dest=a.tar",
                           "type=local,dest=dir", "type=registry,name=127.0.0.1:5000/app:1"})
    EXPECT_NE(make_image_output(parse_output_spec(spec), registry, messages), nullptr) << spec;
  EXPECT_EQ(make_image_output(parse_output_spec("type=image"), registry, messages), nullptr);
}

TEST(ImageOutputTest, AnUnknownTypeIsAUsageErrorNamingIt) {
  testing::RecordingMessages messages;
  const RegistryAccess registry{.credentials = registry::CredentialStore({})};
  OutputSpec spec{.type = "floppy"};
  try {
    make_image_output(spec, registry, messages);
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "--output type=floppy: unknown type");
  }
}

}  // namespace
}  // namespace gantry::engine

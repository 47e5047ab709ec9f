#include "engine/image_output.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "tests/engine/recording_messages.h"

namespace gantry::engine {

namespace {

TEST(ImageOutputTest, EveryTypeButTheStoresOwnHasAnOutput) {
  testing::RecordingMessages messages;
  const RegistryAccess registry{.credentials = registry::CredentialStore({})};
  for (const char* spec : {"type=oci,dest=a.tar", "type=oci,tar=false,dest=dir", "type=docker,dest=a.tar",
                           "type=docker,tar=false,dest=dir", "type=tar,dest=a.tar", "type=local,dest=dir",
                           "type=registry,name=127.0.0.1:5000/app:1", "type=image,name=127.0.0.1:5000/app:1,push=true"})
    EXPECT_NE(make_image_output(parse_output_spec(spec), registry, messages, std::nullopt), nullptr) << spec;
  // The local store's image is all there is to these.
  for (const char* spec : {"type=image", "type=image,name=app:1", "type=docker"})
    EXPECT_EQ(make_image_output(parse_output_spec(spec), registry, messages, std::nullopt), nullptr) << spec;
}

TEST(ImageOutputTest, StandardOutputIsRefusedWhereTheFrontEndGivesNone) {
  testing::RecordingMessages messages;
  const RegistryAccess registry{.credentials = registry::CredentialStore({})};
  try {
    make_image_output(parse_output_spec("type=oci"), registry, messages, std::nullopt);
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "--output type=oci,dest=-: there is no standard output to write to here");
  }
  EXPECT_NE(make_image_output(parse_output_spec("-"), registry, messages,
                              exporter::OutputTarget::stream(1, "standard output")),
            nullptr);
}

TEST(ImageOutputTest, AnUnknownTypeIsAUsageErrorNamingIt) {
  testing::RecordingMessages messages;
  const RegistryAccess registry{.credentials = registry::CredentialStore({})};
  OutputSpec spec{.type = "floppy"};
  try {
    make_image_output(spec, registry, messages, std::nullopt);
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "--output type=floppy: unknown type");
  }
}

}  // namespace
}  // namespace gantry::engine

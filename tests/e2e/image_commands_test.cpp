// The image verbs on a real store: import, images, tag, rmi, inspect, history, save and load.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/e2e/gantry_runner.h"

namespace gantry::e2e {

namespace fs = std::filesystem;
using nlohmann::json;

TEST(ImageCommands, ImportThenImagesListsIt) {
  GantryEnv env;
  env.import_busybox();
  auto o = env.gantry({"images"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.out.find("REPOSITORY"), std::string::npos);
  EXPECT_NE(o.out.find("busybox"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("latest"), std::string::npos) << o.out;
}

TEST(ImageCommands, TagInspectAndRmi) {
  GantryEnv env;
  env.import_busybox();
  ASSERT_EQ(env.gantry({"tag", "busybox", "mybox:2"}).exit_code, 0);
  auto a = json::parse(env.gantry({"inspect", "busybox"}).out);
  auto b = json::parse(env.gantry({"inspect", "mybox:2"}).out);
  EXPECT_EQ(a[0]["Digest"], b[0]["Digest"]);
  EXPECT_EQ(a[0]["Config"]["rootfs"]["diff_ids"].size(), 1u);
  // Removing an image by id while two names use it needs -f.
  std::string id = a[0]["Id"].get<std::string>().substr(7, 12);
  EXPECT_NE(env.gantry({"rmi", id}).exit_code, 0);
  EXPECT_EQ(env.gantry({"rmi", "mybox:2"}).exit_code, 0);
  EXPECT_EQ(env.gantry({"images"}).out.find("mybox"), std::string::npos);
  EXPECT_NE(env.gantry({"inspect", "mybox:2"}).exit_code, 0);
}

TEST(ImageCommands, SaveAndLoadRoundTripBothFormats) {
  GantryEnv env;
  env.import_busybox();
  auto digest = json::parse(env.gantry({"inspect", "busybox"}).out)[0]["Digest"];
  for (std::string format : {"docker", "oci"}) {
    fs::path archive = env.scratch() / (format + ".tar");
    auto s = env.gantry({"save", "--format", format, "-o", archive.string(), "busybox"});
    ASSERT_EQ(s.exit_code, 0) << s.err;
    GantryEnv other;
    auto l = other.gantry({"load", "-i", archive.string()});
    ASSERT_EQ(l.exit_code, 0) << l.err;
    EXPECT_NE(l.out.find("busybox:latest"), std::string::npos) << l.out;
    auto run = other.gantry({"history", "busybox"});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    if (format == "oci") {
      EXPECT_EQ(json::parse(other.gantry({"inspect", "busybox"}).out)[0]["Digest"], digest);
    }
  }
}

}  // namespace gantry::e2e

#include "executor/platform_support.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "base/error.h"
#include "base/file_util.h"

namespace gantry::executor {
namespace {

namespace fs = std::filesystem;

// Debian's qemu-user-static registration of aarch64, s390x (big-endian) and arm, as
// /proc/sys/fs/binfmt_misc shows them.
constexpr const char* kAarch64Magic = "7f454c460201010000000000000000000200b700";
constexpr const char* kAarch64Mask = "ffffffffffffff00fffffffffffffffffeffffff";
constexpr const char* kS390xMagic = "7f454c460202010000000000000000000002" "0016";
constexpr const char* kS390xMask = "ffffffffffffff00fffffffffffffffffffeffff";
constexpr const char* kArmMagic = "7f454c460101010000000000000000000200" "2800";
constexpr const char* kArmMask = "ffffffffffffff00fffffffffffffffffeffffff";

class PlatformSupportTest : public ::testing::Test {
 protected:
  PlatformSupportTest() : dir_(fs::temp_directory_path(), "binfmt-test-") {
    write_file_atomic(dir_.path() / "status", "enabled\n");
    write_file_atomic(dir_.path() / "register", "");
  }

  void add(const std::string& name, const std::string& magic, const std::string& mask, const std::string& flags,
           bool enabled = true) const {
    write_file_atomic(dir_.path() / name, std::string(enabled ? "enabled" : "disabled") + "\ninterpreter /usr/libexec/qemu-binfmt/" +
                                       name + "\nflags: " + flags + "\noffset 0\nmagic " + magic + "\nmask " + mask + "\n");
  }

  PlatformSupport support() const {
    return PlatformSupport(Platform::parse("linux/amd64"), read_binfmt_handlers(dir_.path()));
  }

  static std::string message_of(const PlatformSupport& s, const std::string& platform) {
    try {
      s.require(Platform::parse(platform));
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }

  TempDir dir_;
};

TEST_F(PlatformSupportTest, ReadsEachHandlerWithItsFlagsMagicAndMask) {
  add("qemu-aarch64", kAarch64Magic, kAarch64Mask, "POF");
  const auto handlers = read_binfmt_handlers(dir_.path());
  ASSERT_EQ(handlers.size(), 1u);
  EXPECT_EQ(handlers[0].name, "qemu-aarch64");
  EXPECT_TRUE(handlers[0].enabled);
  EXPECT_TRUE(handlers[0].fix_binary());
  EXPECT_EQ(handlers[0].interpreter, "/usr/libexec/qemu-binfmt/qemu-aarch64");
  EXPECT_EQ(handlers[0].magic.size(), 20u);
  EXPECT_EQ(handlers[0].magic[18], '\xb7');
}

TEST_F(PlatformSupportTest, NoBinfmtMiscOrADisabledOneHasNoHandlers) {
  EXPECT_TRUE(read_binfmt_handlers(dir_.path() / "not-mounted").empty());
  add("qemu-aarch64", kAarch64Magic, kAarch64Mask, "POF");
  write_file_atomic(dir_.path() / "status", "disabled\n");
  EXPECT_TRUE(read_binfmt_handlers(dir_.path()).empty());
}

TEST_F(PlatformSupportTest, ListsTheHostThenThePlatformsOfHandlersWithF) {
  add("qemu-aarch64", kAarch64Magic, kAarch64Mask, "POF");
  add("qemu-s390x", kS390xMagic, kS390xMask, "POF");
  add("qemu-arm", kArmMagic, kArmMask, "PO");  // without F: useless in a sandbox
  std::vector<std::string> listed;
  for (const Platform& p : support().platforms()) listed.push_back(p.str());
  EXPECT_EQ(listed, (std::vector<std::string>{"linux/amd64", "linux/arm64", "linux/s390x"}));
}

TEST_F(PlatformSupportTest, ThePlatformOfAHandlerIsReadFromItsMagicNotItsName) {
  add("whatever", kAarch64Magic, kAarch64Mask, "F");
  EXPECT_TRUE(support().runs(Platform::parse("linux/arm64")));
  EXPECT_FALSE(support().runs(Platform::parse("linux/riscv64")));
}

TEST_F(PlatformSupportTest, TheHostsOwnPlatformsRunWithoutAHandler) {
  const PlatformSupport s = support();
  EXPECT_TRUE(s.runs(Platform::parse("linux/amd64")));
  EXPECT_TRUE(s.runs(Platform::parse("linux/amd64/v3")));
  EXPECT_TRUE(s.runs(Platform::parse("linux/386")));
  EXPECT_NO_THROW(s.require(Platform::parse("linux/amd64")));
}

TEST_F(PlatformSupportTest, RequireSaysWhyAPlatformDoesNotRunAndHowToMakeItRun) {
  const std::string none = message_of(support(), "linux/arm64");
  EXPECT_NE(none.find("platform `linux/arm64`"), std::string::npos) << none;
  EXPECT_NE(none.find("no binfmt_misc handler"), std::string::npos) << none;
  EXPECT_NE(none.find("`scripts/binfmt.sh aarch64`"), std::string::npos) << none;

  add("qemu-aarch64", kAarch64Magic, kAarch64Mask, "PO");
  const std::string without_f = message_of(support(), "linux/arm64");
  EXPECT_NE(without_f.find("`qemu-aarch64` is registered without the F (fix-binary) flag"), std::string::npos)
      << without_f;

  add("qemu-aarch64", kAarch64Magic, kAarch64Mask, "POF", false);
  const std::string disabled = message_of(support(), "linux/arm64");
  EXPECT_NE(disabled.find("`qemu-aarch64` is disabled"), std::string::npos) << disabled;

  add("qemu-aarch64", kAarch64Magic, kAarch64Mask, "POF");
  EXPECT_EQ(message_of(support(), "linux/arm64"), "");
  EXPECT_NE(message_of(support(), "windows/arm64").find("knows no emulator"), std::string::npos);
}

}  // namespace
}  // namespace gantry::executor

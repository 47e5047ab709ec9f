// unpack_layer on hostile archives: nothing may be written outside the destination.
#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/file_util.h"
#include "exporter/layer.h"

namespace gantry::exporter {
namespace {

namespace fs = std::filesystem;

struct Member {
  std::string name;
  mode_t type = AE_IFREG;
  std::string link;  // symlink target, or hard link target when `hardlink`
  bool hardlink = false;
};

// A plain tar with the given members, each a 5-byte file unless a link.
void write_tar(const fs::path& path, const std::vector<Member>& members) {
  archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  ASSERT_EQ(archive_write_open_filename(a, path.c_str()), ARCHIVE_OK);
  for (const Member& m : members) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, m.name.c_str());
    archive_entry_set_mode(e, m.type | 0644);
    if (m.hardlink) archive_entry_set_hardlink(e, m.link.c_str());
    else if (m.type == AE_IFLNK) archive_entry_set_symlink(e, m.link.c_str());
    const bool data = m.type == AE_IFREG && !m.hardlink;
    archive_entry_set_size(e, data ? 5 : 0);
    archive_write_header(a, e);
    if (data) archive_write_data(a, "evil\n", 5);
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
}

class UnsafeArchiveTest : public ::testing::Test {
 protected:
  UnsafeArchiveTest() : tmp_(fs::temp_directory_path(), "gantry-unsafe-test-") {
    fs::create_directories(dest());
    fs::create_directories(outside());
  }
  fs::path dest() const { return tmp_.path() / "root" / "dest"; }
  fs::path outside() const { return tmp_.path() / "outside"; }

  // Unpacks and expects an Error containing `why`; the destination must be empty again and
  // nothing may have appeared next to it.
  void expect_rejected(const std::vector<Member>& members, const std::string& why) {
    const fs::path tar = tmp_.path() / "layer.tar";
    write_tar(tar, members);
    const auto outside_before = std::distance(fs::directory_iterator(outside()), fs::directory_iterator());
    try {
      unpack_layer(tar, sha256_of_file(tar), dest());
      ADD_FAILURE() << "unpacked an archive that should be rejected (" << why << ")";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(tar.string()), std::string::npos) << e.what();
    }
    EXPECT_TRUE(fs::is_empty(dest()));
    EXPECT_EQ(std::distance(fs::directory_iterator(outside()), fs::directory_iterator()), outside_before);
    EXPECT_EQ(std::distance(fs::directory_iterator(tmp_.path() / "root"), fs::directory_iterator()), 1);
  }

  TempDir tmp_;
};

TEST_F(UnsafeArchiveTest, RejectsParentDirectoryMembers) {
  expect_rejected({{.name = "ok"}, {.name = "../outside/evil"}}, "leaves the archive root");
  expect_rejected({{.name = "a/../../outside/evil"}}, "leaves the archive root");
}

TEST_F(UnsafeArchiveTest, RejectsAbsoluteMembers) {
  expect_rejected({{.name = (outside() / "evil").string()}}, "absolute path");
}

TEST_F(UnsafeArchiveTest, RejectsWritingThroughAnEscapingSymlink) {
  expect_rejected({{.name = "link", .type = AE_IFLNK, .link = outside().string()}, {.name = "link/evil"}},
                  "outside the archive root through a symlink");
  expect_rejected({{.name = "up", .type = AE_IFLNK, .link = "../../outside"}, {.name = "up/evil"}},
                  "outside the archive root through a symlink");
}

TEST_F(UnsafeArchiveTest, RejectsHardLinksThatEscape) {
  write_file_atomic(outside() / "secret", "secret");
  expect_rejected({{.name = "steal", .link = "../outside/secret", .hardlink = true}}, "leaves the archive root");
  expect_rejected({{.name = "steal", .link = (outside() / "secret").string(), .hardlink = true}}, "absolute path");
  expect_rejected({{.name = "link", .type = AE_IFLNK, .link = outside().string()},
                   {.name = "steal", .link = "link/secret", .hardlink = true}},
                  "outside the archive root through a symlink");
}

TEST_F(UnsafeArchiveTest, KeepsSymlinksThatPointAnywhereWithoutFollowingThem) {
  // Absolute targets are normal in images (/bin/sh -> /bin/busybox): stored, never followed.
  const fs::path tar = tmp_.path() / "layer.tar";
  write_tar(tar, {{.name = "sh", .type = AE_IFLNK, .link = "/bin/busybox"},
                  {.name = "etc", .type = AE_IFLNK, .link = "../../outside"},
                  {.name = "inner/file"},
                  {.name = "alias", .type = AE_IFLNK, .link = "inner"},
                  {.name = "alias/through-inner-link"}});
  unpack_layer(tar, sha256_of_file(tar), dest());
  EXPECT_EQ(fs::read_symlink(dest() / "sh"), "/bin/busybox");
  EXPECT_EQ(fs::read_symlink(dest() / "etc"), "../../outside");
  EXPECT_EQ(read_file(dest() / "inner/through-inner-link"), "evil\n");
  EXPECT_TRUE(fs::is_empty(outside()));
}

TEST_F(UnsafeArchiveTest, RejectsANonEmptyDestination) {
  write_file_atomic(dest() / "already-here", "x");
  const fs::path tar = tmp_.path() / "layer.tar";
  write_tar(tar, {{.name = "f"}});
  EXPECT_THROW(unpack_layer(tar, sha256_of_file(tar), dest()), Error);
  EXPECT_TRUE(fs::exists(dest() / "already-here"));
}

TEST_F(UnsafeArchiveTest, RejectsAFileThatIsNotAnArchive) {
  const fs::path junk = tmp_.path() / "junk";
  write_file_atomic(junk, std::string(4096, '\x7f'));
  try {
    unpack_layer(junk, sha256_of_file(junk), dest());
    FAIL() << "unpacked junk";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(junk.string()), std::string::npos) << e.what();
  }
  EXPECT_TRUE(fs::is_empty(dest()));
}

}  // namespace
}  // namespace gantry::exporter

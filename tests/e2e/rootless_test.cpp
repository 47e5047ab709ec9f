// gantry as a normal user (issue 18): commands that need no privilege work without any
// namespace, and state lives under the user's home.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/e2e/gantry_runner.h"
#include "tests/e2e/user_gantry_env.h"

namespace gantry::e2e {
namespace {

using nlohmann::json;

// The first id of `user`'s range in /etc/subuid (scripts/test-user.sh picks a free one).
std::uint64_t subuid_start(const std::string& user) {
  std::ifstream in("/etc/subuid");
  for (std::string line; std::getline(in, line);)
    if (line.starts_with(user + ":")) return std::stoull(line.substr(user.size() + 1));
  throw std::runtime_error("no range for " + user + " in /etc/subuid");
}

// An archive of busybox:latest that root's gantry writes, for the user to load.
std::filesystem::path busybox_archive(const std::filesystem::path& dir) {
  GantryEnv root;
  root.import_busybox();
  const auto archive = dir / "busybox.tar";
  const Outcome saved = root.gantry({"save", "-o", archive.string(), "busybox:latest"});
  if (saved.exit_code != 0) throw std::runtime_error("gantry save as root: " + saved.err);
  return archive;
}

TEST(RootlessCommands, StateIsUnderTheUsersDataHomeUnlessOverridden) {
  UserGantryEnv user(kUserWithSubids);
  const Outcome version = user.gantry({"version"});
  ASSERT_EQ(version.exit_code, 0) << version.err;
  EXPECT_NE(version.out.find("Version:"), std::string::npos) << version.out;

  const Outcome info = user.gantry({"info"});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  EXPECT_NE(info.out.find("Root Dir:          " + user.state_root().string() + "\n"),
            std::string::npos)
      << info.out;
  EXPECT_TRUE(std::filesystem::exists(user.state_root() / "metadata.db"));
  // This host's kernel (>= 5.11) mounts overlayfs in a user namespace: info tries it.
  EXPECT_NE(
      info.out.find(
          "Storage Driver:    overlayfs (userxattr, in a user namespace: the kernel allows it)\n"),
      std::string::npos)
      << info.out;
  EXPECT_NE(info.out.find("User Namespace:    container ids 0-65535 (0 is `gantry-rl`"),
            std::string::npos)
      << info.out;

  const auto data_home = user.scratch() / "data";
  const Outcome xdg = user.gantry({"info"}, {{"XDG_DATA_HOME", data_home.string()}});
  ASSERT_EQ(xdg.exit_code, 0) << xdg.err;
  EXPECT_NE(xdg.out.find("Root Dir:          " + (data_home / "gantry").string() + "\n"),
            std::string::npos)
      << xdg.out;

  const auto given = user.scratch() / "given";
  const Outcome root_flag =
      user.gantry({"--root", given.string(), "info"}, {{"GANTRY_ROOT", "/nonexistent"}});
  ASSERT_EQ(root_flag.exit_code, 0) << root_flag.err;
  EXPECT_NE(root_flag.out.find("Root Dir:          " + given.string() + "\n"), std::string::npos)
      << root_flag.out;
  const Outcome root_env = user.gantry({"info"}, {{"GANTRY_ROOT", given.string()}});
  EXPECT_NE(root_env.out.find("Root Dir:          " + given.string() + "\n"), std::string::npos)
      << root_env.out;
}

// Neither user needs a subordinate id range for these: they only read and write the store's
// database and blobs.
TEST(RootlessCommands, ImageCommandsWorkForAUserWithoutSubids) {
  UserGantryEnv user(kUserWithoutSubids);
  const auto archive = busybox_archive(user.scratch());
  std::filesystem::permissions(archive, std::filesystem::perms::others_read,
                               std::filesystem::perm_options::add);

  const Outcome loaded = user.gantry({"load", "-i", archive.string()});
  ASSERT_EQ(loaded.exit_code, 0) << loaded.err;
  EXPECT_NE(loaded.out.find("Loaded image: busybox:latest"), std::string::npos) << loaded.out;
  ASSERT_EQ(user.gantry({"tag", "busybox", "mybox:1"}).exit_code, 0);
  const Outcome images = user.gantry({"images"});
  EXPECT_NE(images.out.find("mybox"), std::string::npos) << images.out;
  const Outcome inspect = user.gantry({"inspect", "mybox:1"});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  EXPECT_EQ(json::parse(inspect.out)[0]["RepoTags"], json({"busybox:latest", "mybox:1"}));
  const Outcome history = user.gantry({"history", "mybox:1"});
  EXPECT_EQ(history.exit_code, 0) << history.err;
  EXPECT_NE(history.out.find("CREATED BY"), std::string::npos) << history.out;
  const auto saved = user.scratch() / "again.tar";
  const Outcome save = user.gantry({"save", "-o", saved.string(), "mybox:1"});
  ASSERT_EQ(save.exit_code, 0) << save.err;
  EXPECT_GT(std::filesystem::file_size(saved), 0u);
  EXPECT_EQ(user.gantry({"rmi", "mybox:1"}).exit_code, 0);
  EXPECT_EQ(user.gantry({"images"}).out.find("mybox"), std::string::npos);
  const Outcome du = user.gantry({"du"});
  EXPECT_EQ(du.exit_code, 0) << du.err;
  EXPECT_NE(du.out.find("Images"), std::string::npos) << du.out;
  const Outcome docs = user.gantry({"docs", "--format", "markdown"});
  EXPECT_EQ(docs.exit_code, 0) << docs.err;
  EXPECT_NE(docs.out.find("gantry build"), std::string::npos);
}

TEST(RootlessCommands, ARangeTooSmallIsRefusedInOneLineWhereIdsAreMapped) {
  UserGantryEnv user(kUserWithTooFewSubids);
  EXPECT_EQ(user.gantry({"version"}).exit_code, 0);
  const auto context = user.scratch() / "ctx";
  std::filesystem::create_directory(context);
  const Outcome built = user.gantry({"build", context.string()});
  EXPECT_EQ(built.exit_code, 1);
  EXPECT_EQ(built.err, "gantry: `/etc/subuid`: `gantry-smallsub` has 1000 ids from " +
                           std::to_string(subuid_start("gantry-smallsub")) +
                           ", fewer than the 65535 gantry maps (container ids 1-65535)\n");
}

}  // namespace
}  // namespace gantry::e2e

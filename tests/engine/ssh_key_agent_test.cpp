// The agent a build starts for --ssh ID=KEY: it holds the keys given (ssh-add -l lists them
// through its socket), refuses a key it cannot load by naming the file, and is gone with its
// socket when the object is.
#include "engine/ssh_key_agent.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>

#include "base/error.h"
#include "base/file_util.h"

namespace gantry::engine {
namespace {

namespace fs = std::filesystem;

// Runs a shell command line; returns what it printed (stdout and stderr) and its status.
std::pair<std::string, int> shell(const std::string& command) {
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  std::string out;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, p)) out.append(buffer, n);
  const int status = ::pclose(p);
  return {out, WIFEXITED(status) ? WEXITSTATUS(status) : -1};
}

class SshKeyAgentTest : public ::testing::Test {
 protected:
  // A new ed25519 key at dir/name (with `passphrase`), and its SHA256 fingerprint.
  std::string make_key(const std::string& name, const std::string& passphrase = "") {
    const fs::path key = dir_.path() / name;
    auto [out, status] = shell("ssh-keygen -q -t ed25519 -C " + name + " -N '" + passphrase +
                               "' -f " + key.string());
    EXPECT_EQ(status, 0) << out;
    auto [print, ok] = shell("ssh-keygen -l -f " + key.string());
    EXPECT_EQ(ok, 0) << print;
    return print.substr(print.find("SHA256:"),
                        print.find(' ', print.find("SHA256:")) - print.find("SHA256:"));
  }
  std::pair<std::string, int> list(const fs::path& socket) {
    return shell("SSH_AUTH_SOCK=" + socket.string() + " ssh-add -l");
  }

  TempDir dir_{fs::temp_directory_path(), "ssh-agent-test-"};
};

TEST_F(SshKeyAgentTest, HoldsEveryKeyGivenUntilItGoes) {
  const std::string first = make_key("one"), second = make_key("two");
  ::chmod((dir_.path() / "two").c_str(), 0644);  // a mode ssh-add refuses in files it finds itself
  fs::path socket;
  {
    SshKeyAgent agent(dir_.path(), {dir_.path() / "one", dir_.path() / "two"}, "--ssh default");
    socket = agent.socket();
    auto [listed, status] = list(socket);
    EXPECT_EQ(status, 0) << listed;
    EXPECT_NE(listed.find(first), std::string::npos) << listed;
    EXPECT_NE(listed.find(second), std::string::npos) << listed;
  }
  EXPECT_FALSE(fs::exists(socket));
  EXPECT_NE(list(socket).second, 0) << "the agent still answers";
}

TEST_F(SshKeyAgentTest, AKeyThatCannotBeLoadedIsNamed) {
  make_key("locked", "a passphrase");
  for (const fs::path& key : {dir_.path() / "locked", dir_.path() / "missing"}) {
    try {
      SshKeyAgent agent(dir_.path(), {key}, "--ssh deploy");
      ADD_FAILURE() << key << " was loaded";
    } catch (const Error& e) {
      EXPECT_TRUE(std::string(e.what()).starts_with("--ssh deploy: key `" + key.string() + "`"))
          << e.what();
    }
  }
  for (const auto& entry : fs::directory_iterator(dir_.path()))
    EXPECT_FALSE(entry.path().filename().string().starts_with("ssh-agent-"))
        << "left behind: " << entry.path();
}

}  // namespace
}  // namespace gantry::engine

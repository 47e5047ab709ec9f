// Habits of docker's CLI that scripts rely on: a misspelt command is named with a suggestion,
// everything after `run`'s image is the container's command, a command that cannot run exits
// 127 or 126, and save and load go through pipes.
#include <gtest/gtest.h>

#include "base/digest.h"
#include "tests/e2e/gantry_runner.h"

namespace gantry::e2e {

namespace fs = std::filesystem;

TEST(DockerCliHabits, AMisspeltCommandIsNamedWithWhatWasMeant) {
  GantryEnv env;
  Outcome o = env.gantry({"biuld", "."});
  EXPECT_EQ(o.exit_code, 125);
  EXPECT_EQ(o.err, "gantry: 'biuld' is not a gantry command (did you mean build?)\nSee 'gantry --help'.\n");
  o = env.gantry({"image", "lss"});
  EXPECT_EQ(o.exit_code, 125);
  EXPECT_NE(o.err.find("'lss' is not a gantry image command (did you mean ls?)"), std::string::npos) << o.err;
  o = env.gantry({"frobnicate"});
  EXPECT_EQ(o.exit_code, 125);
  EXPECT_EQ(o.err, "gantry: 'frobnicate' is not a gantry command\nSee 'gantry --help'.\n");
}

TEST(DockerCliHabits, EverythingAfterTheImageIsTheContainersCommand) {
  GantryEnv env;
  env.import_busybox();
  Outcome o = env.gantry({"run", "--rm", "busybox", "sh", "-c", "echo got -c and $0; exit 3"});
  EXPECT_EQ(o.exit_code, 3) << o.err;
  EXPECT_EQ(o.out, "got -c and sh\n");
  // A flag gantry run also has (`-e`) is the command's after the image.
  o = env.gantry({"run", "--rm", "busybox", "echo", "-e", "--rm"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out, "--rm\n");
}

TEST(DockerCliHabits, ACommandThatCannotRunExits127Or126) {
  GantryEnv env;
  env.import_busybox();
  Outcome o = env.gantry({"run", "--rm", "busybox", "no-such-tool", "--flag"});
  EXPECT_EQ(o.exit_code, 127) << o.err;
  EXPECT_NE(o.err.find("`no-such-tool`: executable file not found in $PATH"), std::string::npos) << o.err;
  o = env.gantry({"run", "--rm", "busybox", "/no/such/file"});
  EXPECT_EQ(o.exit_code, 127) << o.err;
  EXPECT_NE(o.err.find("/no/such/file"), std::string::npos) << o.err;
  o = env.gantry({"run", "--rm", "busybox", "/etc/passwd"});
  EXPECT_EQ(o.exit_code, 126) << o.err;
  EXPECT_NE(o.err.find("/etc/passwd"), std::string::npos) << o.err;
  // The command's own exit codes pass through untouched.
  EXPECT_EQ(env.gantry({"run", "--rm", "busybox", "sh", "-c", "exit 127"}).exit_code, 127);
}

TEST(DockerCliHabits, SaveWritesToAPipeAndLoadReadsFromOne) {
  GantryEnv env, other;
  env.import_busybox();
  const fs::path file = env.scratch() / "busybox.tar";
  ASSERT_EQ(env.gantry({"save", "-o", file.string(), "busybox"}).exit_code, 0);
  // The same archive through standard output, byte for byte.
  const fs::path piped = env.scratch() / "piped.tar";
  Outcome o = run_command({"sh", "-c", gantry_binary() + " save busybox > '" + piped.string() + "'"},
                          {{"GANTRY_ROOT", env.root().string()}});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(sha256_of_file(piped), sha256_of_file(file));
  // save | load between two roots, as `docker save | docker load` moves an image.
  o = run_command({"sh", "-c", gantry_binary() + " --root '" + env.root().string() + "' save --format oci busybox | " +
                                   gantry_binary() + " --root '" + other.root().string() + "' load"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out, "Loaded image: busybox:latest\n");
  EXPECT_EQ(other.gantry({"run", "--rm", "busybox", "echo", "moved"}).out, "moved\n");
  // Nothing piped in: the runner's standard input is /dev/null, an empty archive.
  o = other.gantry({"load"});
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_EQ(o.err.find('\n'), o.err.size() - 1) << "one line: " << o.err;
}

}  // namespace gantry::e2e

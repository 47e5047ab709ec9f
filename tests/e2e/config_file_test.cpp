// Config files and their precedence, with the real binary: flag > env > user config > system
// config ($GANTRY_CONFIG_FILE stands in for the files here).
#include <gtest/gtest.h>

#include "tests/e2e/gantry_runner.h"

namespace gantry::e2e {

namespace fs = std::filesystem;

TEST(ConfigFile, RootFromConfigUnlessEnvOrFlagSaysOtherwise) {
  GantryEnv env;
  fs::path config = env.scratch() / "config.yaml";
  write_file_atomic(config, "root: " + (env.scratch() / "from-config").string() + "\n");
  std::map<std::string, std::string> vars{{"GANTRY_CONFIG_FILE", config.string()}, {"GANTRY_ROOT", ""}};
  auto o = env.gantry({"info"}, vars);
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.out.find("Root Dir:          " + (env.scratch() / "from-config").string() + "\n"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("Config Files:      " + config.string()), std::string::npos) << o.out;

  vars["GANTRY_ROOT"] = (env.scratch() / "from-env").string();
  o = env.gantry({"info"}, vars);
  EXPECT_NE(o.out.find("Root Dir:          " + (env.scratch() / "from-env").string() + "\n"), std::string::npos) << o.out;

  o = env.gantry({"--root", (env.scratch() / "from-flag").string(), "info"}, vars);
  EXPECT_NE(o.out.find("Root Dir:          " + (env.scratch() / "from-flag").string() + "\n"), std::string::npos) << o.out;
}

TEST(ConfigFile, ProgressModeFromConfigUnlessEnvOrFlagSaysOtherwise) {
  GantryEnv env;
  env.import_busybox();
  fs::path config = env.scratch() / "config.yaml";
  write_file_atomic(config, "progress: json\nmax-parallelism: 1\n");
  std::map<std::string, std::string> vars{{"GANTRY_CONFIG_FILE", config.string()}};
  const std::string ctx = testdata("busybox-app").string();
  auto o = env.gantry({"build", ctx}, vars);
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_TRUE(o.out.starts_with("{")) << o.out;
  EXPECT_NE(o.out.find("\"type\":\"summary\""), std::string::npos) << o.out;

  vars["GANTRY_PROGRESS"] = "plain";
  o = env.gantry({"build", ctx}, vars);
  EXPECT_EQ(o.out, "");
  EXPECT_NE(o.err.find("#1 "), std::string::npos) << o.err;

  o = env.gantry({"build", "--progress", "quiet", ctx}, vars);
  EXPECT_EQ(o.out, "");
  EXPECT_EQ(o.err, "");
}

TEST(ConfigFile, MistakesInTheFileNameItAndFail) {
  GantryEnv env;
  fs::path config = env.scratch() / "config.yaml";
  write_file_atomic(config, "roots: /x\n");
  auto o = env.gantry({"info"}, {{"GANTRY_CONFIG_FILE", config.string()}});
  EXPECT_NE(o.exit_code, 0);
  EXPECT_NE(o.err.find("config file `" + config.string() + "`: unknown key `roots`"), std::string::npos) << o.err;
}

}  // namespace gantry::e2e

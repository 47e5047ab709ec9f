// StageEnvironment: the variables of a stage as ARG and ENV change them, and what lowering
// makes of them (the RUN environment, history and config), including the cases where an ARG and
// an ENV share a name.
#include <gtest/gtest.h>

#include "base/error.h"
#include "frontend/dockerfile/frontend.h"
#include "frontend/dockerfile/stage_environment.h"

namespace gantry::frontend {
namespace {

using nlohmann::json;

json image_with_env(json env) { return {{"config", {{"Env", std::move(env)}}}}; }

TEST(StageEnvironment, StartsFromTheConfigEnv) {
  StageEnvironment vars(image_with_env({"PATH=/bin", "EMPTY=", "BARE", 7, "DUP=1", "DUP=2"}));
  EXPECT_EQ(vars.expansion(), (ShellEnv{{"PATH", "/bin"}, {"EMPTY", ""}, {"BARE", ""}, {"DUP", "2"}}));
  EXPECT_TRUE(vars.has_env("BARE"));
  EXPECT_FALSE(vars.has_env("PAT"));
  EXPECT_TRUE(vars.args().empty());
}

TEST(StageEnvironment, EnvReplacesItsEntryInPlaceOrAppends) {
  json image = image_with_env({"A=1", "B=2"});
  StageEnvironment vars(image);
  vars.set_env(image, "A", "3");
  vars.set_env(image, "C", "4");
  EXPECT_EQ(image["config"]["Env"], json({"A=3", "B=2", "C=4"}));
  EXPECT_EQ(vars.expansion().at("A"), "3");
  EXPECT_EQ(vars.expansion().at("C"), "4");
}

TEST(StageEnvironment, EnvWinsOverAnArgOfTheSameName) {
  json image = image_with_env({"A=env"});
  StageEnvironment vars(image);
  vars.set_arg("A", "arg");
  vars.set_arg("B", "arg");
  EXPECT_EQ(vars.expansion().at("A"), "env");
  EXPECT_EQ(vars.expansion().at("B"), "arg");
  vars.set_env(image, "B", "env");
  EXPECT_EQ(vars.expansion().at("B"), "env");
  EXPECT_EQ(vars.args(), (std::vector<std::pair<std::string, std::string>>{{"A", "arg"}, {"B", "arg"}}));
}

TEST(StageEnvironment, AnArgDeclaredAgainMovesToTheEnd) {
  StageEnvironment vars(image_with_env(json::array()));
  for (const char* name : {"A", "B", "C"}) vars.set_arg(name, "1");
  vars.set_arg("A", "2");
  vars.set_arg("A", "3");  // already last: changed where it is
  vars.set_arg("B", "4");
  EXPECT_EQ(vars.args(), (std::vector<std::pair<std::string, std::string>>{{"C", "1"}, {"A", "3"}, {"B", "4"}}));
  vars.set_arg("C", "5");
  EXPECT_EQ(vars.args(), (std::vector<std::pair<std::string, std::string>>{{"A", "3"}, {"B", "4"}, {"C", "5"}}));
  EXPECT_EQ(vars.expansion(), (ShellEnv{{"A", "3"}, {"B", "4"}, {"C", "5"}}));
}

BuildPlan lower_scratch(const std::string& dockerfile) {
  BuildOptions options;
  options.dockerfile = dockerfile;
  return lower(options);
}

const llb::ExecOp& exec_of(const llb::Output& out) { return std::get<llb::ExecOp>(out.node->op); }

TEST(StageEnvironment, LoweredRunSeesEnvThenArgsInOrder) {
  auto plan = lower_scratch("FROM scratch\nARG A=1 B=2\nENV B=env C=$A\nARG A=3\nRUN x\n");
  EXPECT_EQ(exec_of(plan.root).env, (std::vector<std::string>{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                                                              "B=env", "C=1", "A=3"}));
  // The history lists the stage's ARGs in the order they were first declared, as BuildKit does.
  EXPECT_EQ(plan.image_config["history"].back()["created_by"], "RUN |2 A=3 B=2 /bin/sh -c x # buildkit");
}

TEST(StageEnvironment, AnArgDefaultSeesTheArgsBeforeItInTheSameInstruction) {
  // B's default sees A=arg although the ENV hides A from the LABEL after.
  auto plan = lower_scratch("FROM scratch\nENV A=env\nARG A=arg B=$A\nLABEL a=$A b=$B\n");
  EXPECT_EQ(plan.image_config["config"]["Labels"], json({{"a", "env"}, {"b", "arg"}}));
}

TEST(StageEnvironment, TenThousandEnvLinesKeepEveryValue) {
  std::string dockerfile = "FROM scratch\n";
  for (int i = 0; i < 10000; ++i) dockerfile += "ENV V" + std::to_string(i) + "=x" + std::to_string(i) + "\n";
  dockerfile += "ENV V0=again\nLABEL last=$V9999 first=$V0\n";
  auto plan = lower_scratch(dockerfile);
  const json& env = plan.image_config["config"]["Env"];
  ASSERT_EQ(env.size(), 10001u);  // PATH first
  EXPECT_EQ(env[1], "V0=again");
  EXPECT_EQ(env[10000], "V9999=x9999");
  EXPECT_EQ(plan.image_config["config"]["Labels"], json({{"last", "x9999"}, {"first", "again"}}));
}

}  // namespace
}  // namespace gantry::frontend

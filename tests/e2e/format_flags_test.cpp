// --format on the image verbs, as docker users write it: Go templates on inspect (-f), images
// and history, docker's `table` header rows, and a malformed template as a usage error.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include <nlohmann/json.hpp>

#include "base/file_util.h"
#include "tests/e2e/gantry_runner.h"

namespace gantry::e2e {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// A store with busybox and app:1, an image with an environment and a layer of its own.
class FormatFlags : public ::testing::Test {
 protected:
  void SetUp() override {
    env_.import_busybox();
    const fs::path ctx = env_.scratch() / "ctx";
    fs::create_directories(ctx);
    write_file_atomic(ctx / "Dockerfile", "FROM busybox\nENV A=1 B=two\nRUN echo hi > /f\n");
    const auto built = env_.gantry({"build", "-q", "-t", "app:1", ctx.string()});
    ASSERT_EQ(built.exit_code, 0) << built.err;
    const auto inspected = env_.gantry({"inspect", "app:1"});
    ASSERT_EQ(inspected.exit_code, 0) << inspected.err;
    app_ = json::parse(inspected.out).at(0);
  }

  GantryEnv env_;
  json app_;  // the element `gantry inspect app:1` prints
};

}  // namespace

TEST_F(FormatFlags, InspectPrintsTheTemplateOncePerImage) {
  std::string env_list;
  for (const auto& e : app_["Config"]["Env"]) env_list += (env_list.empty() ? "" : " ") + e.get<std::string>();
  ASSERT_NE(env_list.find("B=two"), std::string::npos) << app_.dump();

  const auto o = env_.gantry({"inspect", "-f", "{{.Config.Env}}", "app:1", "app:1"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(lines_of(o.out), std::vector<std::string>(2, "[" + env_list + "]"));

  const auto labels = env_.gantry({"image", "inspect", "--format", "{{index .Config.Env 0}}|{{.Nope}}", "app:1"});
  ASSERT_EQ(labels.exit_code, 0) << labels.err;
  EXPECT_EQ(labels.out, app_["Config"]["Env"][0].get<std::string>() + "|<no value>\n");
}

TEST_F(FormatFlags, InspectJsonIsTheDefaultOutputsObject) {
  const auto config = env_.gantry({"inspect", "-f", "{{json .Config}}", "app:1"});
  ASSERT_EQ(config.exit_code, 0) << config.err;
  EXPECT_EQ(json::parse(config.out), app_["Config"]);

  const auto whole = env_.gantry({"inspect", "-f", "{{json .}}", "app:1"});
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  EXPECT_EQ(json::parse(whole.out), app_);

  const auto named_json = env_.gantry({"inspect", "--format", "json", "app:1"});
  ASSERT_EQ(named_json.exit_code, 0) << named_json.err;
  EXPECT_EQ(json::parse(named_json.out), json::array({app_}));
}

TEST_F(FormatFlags, ImagesTemplatePrintsARowEach) {
  const auto o = env_.gantry({"images", "--format", "{{.Repository}}:{{.Tag}}"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  auto rows = lines_of(o.out);
  std::sort(rows.begin(), rows.end());
  EXPECT_EQ(rows, (std::vector<std::string>{"app:1", "busybox:latest"}));

  const auto ids = env_.gantry({"image", "ls", "--format", "{{.ID}}", "--filter", "reference=app"});
  ASSERT_EQ(ids.exit_code, 0) << ids.err;
  EXPECT_EQ(ids.out, app_["Id"].get<std::string>().substr(7, 12) + "\n");
}

TEST_F(FormatFlags, ImagesJsonIsAnObjectPerLine) {
  const auto o = env_.gantry({"images", "--format", "json", "--filter", "reference=app"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  const json row = json::parse(o.out);
  EXPECT_EQ(row["Repository"], "app");
  EXPECT_EQ(row["Tag"], "1");
  EXPECT_EQ(row["Digest"], "<none>");
}

TEST_F(FormatFlags, HistoryTemplatePrintsEachStepNewestFirst) {
  std::vector<std::string> steps;
  const json config = env_.image_config("app:1");
  for (const auto& h : config["history"]) steps.insert(steps.begin(), h.value("created_by", ""));
  const auto o = env_.gantry({"history", "--format", "{{.CreatedBy}}", "app:1"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(lines_of(o.out), steps);
  EXPECT_NE(o.out.find("echo hi > /f"), std::string::npos) << o.out;
}

TEST_F(FormatFlags, TableFormatsHaveDockersHeaderRow) {
  const auto images = env_.gantry({"images", "--format", "table {{.Repository}}\\t{{.Tag}}"});
  ASSERT_EQ(images.exit_code, 0) << images.err;
  const auto rows = lines_of(images.out);
  ASSERT_EQ(rows.size(), 3u) << images.out;
  EXPECT_EQ(rows[0], "REPOSITORY   TAG");
  EXPECT_NE(std::find(rows.begin(), rows.end(), "app          1"), rows.end()) << images.out;

  const auto history = env_.gantry({"image", "history", "--format", "table {{.ID}}\t{{.Size}}\t{{.Comment}}", "app:1"});
  ASSERT_EQ(history.exit_code, 0) << history.err;
  const auto steps = lines_of(history.out);
  ASSERT_EQ(steps.size(), env_.image_config("app:1")["history"].size() + 1) << history.out;
  EXPECT_EQ(steps[0], "IMAGE          SIZE      COMMENT");
  EXPECT_EQ(steps[1].substr(0, 12), app_["Id"].get<std::string>().substr(7, 12));
  EXPECT_EQ(steps[2].substr(0, 9), "<missing>");
}

TEST_F(FormatFlags, AMalformedTemplateIsAOneLineUsageError) {
  const auto unclosed = env_.gantry({"images", "--format", "{{.Repository"});
  EXPECT_EQ(unclosed.exit_code, 125);
  EXPECT_EQ(unclosed.out, "");
  EXPECT_EQ(lines_of(unclosed.err), std::vector<std::string>{"gantry: template `{{.Repository`: 1:1: unclosed action"});

  const auto unknown = env_.gantry({"inspect", "-f", "{{nope .Id}}", "app:1"});
  EXPECT_EQ(unknown.exit_code, 125);
  EXPECT_EQ(unknown.out, "");
  EXPECT_EQ(lines_of(unknown.err), std::vector<std::string>{"gantry: template `{{nope .Id}}`: 1:3: function \"nope\" not defined"});

  const auto unended = env_.gantry({"history", "--format", "{{range .}}", "app:1"});
  EXPECT_EQ(unended.exit_code, 125);
  EXPECT_EQ(lines_of(unended.err).size(), 1u) << unended.err;
}

}  // namespace gantry::e2e

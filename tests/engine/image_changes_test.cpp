#include "engine/image_changes.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace gantry::engine {

using nlohmann::json;

namespace {

json changed(const std::vector<std::string>& changes, json config = json::object()) {
  apply_image_changes(config, changes);
  return config;
}

std::string error_of(const std::vector<std::string>& changes) {
  try {
    changed(changes);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(ImageChanges, EachAllowedInstructionSetsItsField) {
  const json config = changed({"CMD [\"x\"]", "ENTRYPOINT [\"/bin/sh\", \"-c\"]", "ENV A=1 B=\"two words\"",
                               "EXPOSE 80 53/udp 8000-8001", "LABEL team=core", "ONBUILD RUN echo hi",
                               "STOPSIGNAL SIGINT", "USER 1000", "VOLUME /data", "WORKDIR /app"});
  EXPECT_EQ(config, json::parse(R"({
    "Cmd": ["x"], "Entrypoint": ["/bin/sh", "-c"], "Env": ["A=1", "B=two words"],
    "ExposedPorts": {"80/tcp": {}, "53/udp": {}, "8000/tcp": {}, "8001/tcp": {}}, "Labels": {"team": "core"},
    "OnBuild": ["RUN echo hi"], "StopSignal": "SIGINT", "User": "1000", "Volumes": {"/data": {}},
    "WorkingDir": "/app"})"));
}

TEST(ImageChanges, ShellFormRunsUnderShAndAnEntrypointClearsACmdNotSetByAChange) {
  EXPECT_EQ(changed({"CMD echo $HOME"})["Cmd"], json({"/bin/sh", "-c", "echo $HOME"}));
  EXPECT_EQ(changed({"ENTRYPOINT [\"e\"]"}, {{"Cmd", {"old"}}})["Cmd"], nullptr);
  EXPECT_EQ(changed({"CMD [\"new\"]", "ENTRYPOINT [\"e\"]"}, {{"Cmd", {"old"}}})["Cmd"], json({"new"}));
}

TEST(ImageChanges, WordsExpandAgainstTheImagesEnvironment) {
  const json config = changed({"ENV PATH=$PATH:/opt/bin", "WORKDIR ${DIR:-/srv}", "WORKDIR sub"},
                              {{"Env", {"PATH=/bin"}}});
  EXPECT_EQ(config["Env"], json({"PATH=/bin:/opt/bin"}));
  EXPECT_EQ(config["WorkingDir"], "/srv/sub");
}

TEST(ImageChanges, AnyOtherInstructionIsAUsageErrorNamingIt) {
  EXPECT_EQ(error_of({"RUN echo hi"}), "--change `RUN echo hi`: RUN is not a valid change command");
  EXPECT_EQ(error_of({"from busybox"}), "--change `from busybox`: FROM is not a valid change command");
  EXPECT_NE(error_of({"EXPOSE 80/xyz"}).find("invalid proto: xyz"), std::string::npos);
  EXPECT_NE(error_of({"NOPE x"}).find("--change `NOPE x`: "), std::string::npos);
  EXPECT_NE(error_of({""}).find("--change ``: "), std::string::npos);
}

}  // namespace

}  // namespace gantry::engine

#include "engine/docker_image_config.h"

#include <gtest/gtest.h>

#include "engine/image_history.h"
#include "engine/image_inspect.h"
#include "tests/engine/store_fixture.h"

namespace gantry::engine {

using nlohmann::json;

namespace {

TEST(DockerImageConfig, WritesTheFieldsInDockersOrderWhateverTheConfigsOrder) {
  const json oci = json::parse(R"({
    "Shell": ["/bin/sh", "-ec"], "OnBuild": ["RUN echo hi"],
    "Healthcheck": {"Retries": 3, "Interval": 5000000000, "Test": ["CMD-SHELL", "true"], "Timeout": 0},
    "ArgsEscaped": true, "StopSignal": "SIGTERM", "Labels": {"c": "d e", "a": "b"}, "WorkingDir": "/app",
    "Volumes": {"/data": {}}, "Cmd": ["-c", "echo"], "Entrypoint": ["/bin/sh"], "Env": ["PATH=/bin", "A=1"],
    "ExposedPorts": {"80/tcp": {}, "53/udp": {}}, "User": "1000:1000"})");
  EXPECT_EQ(docker_image_config(oci).dump(),
            R"({"User":"1000:1000","ExposedPorts":{"53/udp":{},"80/tcp":{}},"Env":["PATH=/bin","A=1"],)"
            R"("Entrypoint":["/bin/sh"],"Cmd":["-c","echo"],"Volumes":{"/data":{}},"WorkingDir":"/app",)"
            R"("Labels":{"a":"b","c":"d e"},"StopSignal":"SIGTERM","ArgsEscaped":true,)"
            R"("Healthcheck":{"Test":["CMD-SHELL","true"],"Interval":5000000000,"Retries":3},)"
            R"("OnBuild":["RUN echo hi"],"Shell":["/bin/sh","-ec"]})");
}

TEST(DockerImageConfig, LeavesOutWhatIsEmptyAsGoOmitemptyDoes) {
  const json oci = json::parse(R"({"User": "", "Env": [], "Cmd": null, "Labels": {}, "ArgsEscaped": false,
                                   "OnBuild": null, "WorkingDir": "", "ExposedPorts": {}})");
  EXPECT_EQ(docker_image_config(oci).dump(), "{}");
  EXPECT_EQ(docker_image_config(json()).dump(), "{}");  // an image without a config object
  EXPECT_EQ(docker_image_config(json::parse(R"({"Env": ["A=1"]})")).dump(), R"({"Env":["A=1"]})");
}

TEST(DockerImageConfig, ReadsValuesAsDockersTypesDo) {
  // A command given as a string is a list of one; a set's values are empty objects; a
  // healthcheck with no fields stays, empty, as a pointer to an empty struct does.
  const json oci = json::parse(R"({"Cmd": "sh", "ExposedPorts": {"80/tcp": {"x": 1}}, "Healthcheck": {}})");
  EXPECT_EQ(docker_image_config(oci).dump(), R"({"ExposedPorts":{"80/tcp":{}},"Cmd":["sh"],"Healthcheck":{}})");
}

TEST(GoRfc3339Nano, DropsTheTrailingZerosOfTheFraction) {
  EXPECT_EQ(go_rfc3339_nano("2024-01-02T03:04:05Z"), "2024-01-02T03:04:05Z");
  EXPECT_EQ(go_rfc3339_nano("2024-01-02T03:04:05.120000000Z"), "2024-01-02T03:04:05.12Z");
  EXPECT_EQ(go_rfc3339_nano("2024-01-02T03:04:05.000Z"), "2024-01-02T03:04:05Z");
  EXPECT_EQ(go_rfc3339_nano("2024-01-02T03:04:05.5+01:00"), "2024-01-02T03:04:05.5+01:00");
  EXPECT_EQ(go_rfc3339_nano("yesterday"), "yesterday");
}

class ImageInspectTest : public testing::StoreFixture {};

TEST_F(ImageInspectTest, PrintsDockersFieldsInDockersOrder) {
  const auto app = import({{"f", "hello"}}, "team/app:1", {{"Env", {"A=1"}}, {"Cmd", {"sh"}}});
  store_.images().set("team/app:2", app.manifest);
  const nlohmann::ordered_json out = inspect_image(store_, "team/app:1");
  std::vector<std::string> keys;
  for (const auto& [key, _] : out.items()) keys.push_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{"Id", "RepoTags", "RepoDigests", "Parent", "Comment", "Created",
                                            "DockerVersion", "Author", "Config", "Architecture", "Os", "Size",
                                            "GraphDriver", "RootFS", "Metadata", "Descriptor"}));
  EXPECT_EQ(out["Id"], app.config.str());
  EXPECT_EQ(out["RepoTags"].dump(), R"(["team/app:1","team/app:2"])");
  EXPECT_EQ(out["Config"].dump(), R"({"Env":["A=1"],"Cmd":["sh"]})");
  EXPECT_EQ(out["Created"], "2023-11-14T22:13:20Z");
  EXPECT_EQ(out["RootFS"]["Type"], "layers");
  EXPECT_EQ(out["RootFS"]["Layers"].size(), 1u);
  EXPECT_EQ(out["Descriptor"]["digest"], app.manifest.str());
  EXPECT_EQ(out["Descriptor"]["size"], store_.content().size(app.manifest));
  EXPECT_GT(out["Size"].get<std::int64_t>(), 0);
  EXPECT_NE(out["Metadata"]["LastTagTime"], "0001-01-01T00:00:00Z");
}

TEST_F(ImageInspectTest, AnUntaggedImageHasNoTagsAndGosZeroTime) {
  const auto app = import({{"f", "hello"}});
  store_.images().keep_untagged(app.manifest);
  const nlohmann::ordered_json out = inspect_image(store_, app.config.str());
  EXPECT_EQ(out["RepoTags"].dump(), "[]");
  EXPECT_EQ(out["Metadata"]["LastTagTime"], "0001-01-01T00:00:00Z");
}

TEST_F(ImageInspectTest, AConfigsFieldsOfTheWrongTypeReadAsAbsent) {
  // A loaded image's config comes from anyone: inspect and history do not fail on it.
  const json config = json::parse(R"({"author": 5, "history": "x", "os": ["linux"], "comment": {},
                                      "variant": 1, "docker_version": null, "config": "sh"})");
  const auto bad = exporter::write_image(store_.content(), config, {}, 1'700'000'000);
  store_.images().set("bad:1", bad.manifest);
  const nlohmann::ordered_json out = inspect_image(store_, "bad:1");
  EXPECT_EQ(out["Author"], "");
  EXPECT_EQ(out["Os"], "");
  EXPECT_EQ(out["Comment"], "");
  EXPECT_EQ(out["DockerVersion"], "");
  EXPECT_FALSE(out.contains("Variant"));
  EXPECT_EQ(out["Config"].dump(), "{}");
  EXPECT_EQ(out["Descriptor"]["mediaType"], "application/vnd.oci.image.manifest.v1+json");
  EXPECT_TRUE(image_history(store_, exporter::read_image(store_.content(), bad.manifest)).empty());
}

TEST_F(ImageInspectTest, HistorySkipsEntriesThatAreNotObjectsAndFieldsOfTheWrongType) {
  const json config = json::parse(R"({"history": [5, "x", {"created_by": 7, "comment": "kept",
                                      "empty_layer": "yes"}, {"created_by": "RUN true", "empty_layer": true}]})");
  const auto odd = exporter::write_image(store_.content(), config, {}, 1'700'000'000);
  const auto entries = image_history(store_, exporter::read_image(store_.content(), odd.manifest));
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].created_by, "RUN true");
  EXPECT_EQ(entries[1].created_by, "");
  EXPECT_EQ(entries[1].comment, "kept");
  EXPECT_EQ(entries[1].size, 0);
  EXPECT_EQ(entries[1].created, "2023-11-14T22:13:20Z");
}

}  // namespace

}  // namespace gantry::engine

// The image verbs print what docker 28 prints, so that scripts written for docker work
// unchanged: inspect's JSON shape, images' and history's columns and flags, import's flags.
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

// A store with busybox and app:1, an image whose config sets every field docker prints.
class DockerImageOutput : public ::testing::Test {
 protected:
  void SetUp() override {
    env_.import_busybox();
    const fs::path ctx = env_.scratch() / "ctx";
    fs::create_directories(ctx);
    write_file_atomic(ctx / "Dockerfile",
                      "FROM busybox\nLABEL a=b c=\"d e\"\nENV FOO=bar PATH=/usr/bin:/bin\nEXPOSE 80/tcp 53/udp\n"
                      "VOLUME /data\nWORKDIR /app\nUSER 1000:1000\nSTOPSIGNAL SIGTERM\n"
                      "HEALTHCHECK --interval=5s CMD true\nONBUILD RUN echo hi\nSHELL [\"/bin/sh\", \"-ec\"]\n"
                      "RUN echo x > /tmp/f\nENTRYPOINT [\"/bin/sh\"]\nCMD [\"-c\", \"echo\"]\n");
    const auto built = env_.gantry({"build", "-q", "-t", "app:1", ctx.string()});
    ASSERT_EQ(built.exit_code, 0) << built.err;
  }

  json inspect(const std::string& image) const {
    const auto o = env_.gantry({"inspect", image});
    EXPECT_EQ(o.exit_code, 0) << o.err;
    return o.exit_code == 0 ? json::parse(o.out) : json::array();
  }

  GantryEnv env_;
};

}  // namespace

// What docker 28 prints for this image saved by gantry and loaded into dockerd, byte for byte.
TEST_F(DockerImageOutput, InspectConfigIsDockersInDockersOrder) {
  const auto config = env_.gantry({"inspect", "-f", "{{json .Config}}", "app:1"});
  ASSERT_EQ(config.exit_code, 0) << config.err;
  EXPECT_EQ(config.out,
            R"({"User":"1000:1000","ExposedPorts":{"53/udp":{},"80/tcp":{}},"Env":["PATH=/usr/bin:/bin","FOO=bar"],)"
            R"("Entrypoint":["/bin/sh"],"Cmd":["-c","echo"],"Volumes":{"/data":{}},"WorkingDir":"/app",)"
            R"("Labels":{"a":"b","c":"d e"},"StopSignal":"SIGTERM","ArgsEscaped":true,)"
            R"("Healthcheck":{"Test":["CMD-SHELL","true"],"Interval":5000000000},"OnBuild":["RUN echo hi"],)"
            R"("Shell":["/bin/sh","-ec"]})"
            "\n");
  // An image with no config of its own prints an empty object, as docker does.
  EXPECT_EQ(env_.gantry({"inspect", "-f", "{{json .Config}}", "busybox"}).out, "{}\n");
  const auto env = env_.gantry({"image", "inspect", "-f", "{{.Config.Env}} {{index .Config.Labels \"c\"}}", "app:1"});
  EXPECT_EQ(env.out, "[PATH=/usr/bin:/bin FOO=bar] d e\n") << env.err;
  // Fields left out of the JSON still print as docker's Go structs hold them: empty.
  const auto empty = env_.gantry({"inspect", "-f", "{{.Config.User}}|{{.Config.Env}}|{{.Variant}}|{{.Config.Labels}}", "busybox"});
  EXPECT_EQ(empty.out, "|[]||map[]\n") << empty.err;
}

TEST_F(DockerImageOutput, InspectPrintsDockersFieldsInDockersOrder) {
  const json out = inspect("app:1");
  ASSERT_EQ(out.size(), 1u);
  const auto o = env_.gantry({"inspect", "app:1"});
  std::vector<std::string> keys;  // in the order printed: nlohmann's json sorts them
  for (const std::string& line : lines_of(o.out))
    if (line.starts_with("        \"") && !line.starts_with("         ")) keys.push_back(line.substr(9, line.find('"', 9) - 9));
  EXPECT_EQ(keys, (std::vector<std::string>{"Id", "RepoTags", "RepoDigests", "Parent", "Comment", "Created",
                                            "DockerVersion", "Author", "Config", "Architecture", "Os", "Size",
                                            "GraphDriver", "RootFS", "Metadata", "Descriptor"}))
      << o.out;
  const json& app = out[0];
  const json config = env_.image_config("app:1");
  EXPECT_EQ(app["Id"].get<std::string>().substr(0, 7), "sha256:");
  EXPECT_EQ(app["RepoTags"], json({"app:1"}));
  EXPECT_EQ(app["RepoDigests"], json::array());
  EXPECT_EQ(app["Comment"], "buildkit.dockerfile.v0");  // the last step's, as docker takes it
  EXPECT_EQ(app["Created"], config["created"]);
  EXPECT_EQ(app["Architecture"], config["architecture"]);
  EXPECT_EQ(app["Os"], "linux");
  EXPECT_EQ(app["RootFS"], json({{"Type", "layers"}, {"Layers", config["rootfs"]["diff_ids"]}}));
  EXPECT_GT(app["Size"].get<std::int64_t>(), 1'000'000);
  EXPECT_EQ(app["Descriptor"]["digest"].get<std::string>().size(), 71u);
  EXPECT_EQ(app["Metadata"]["LastTagTime"].get<std::string>().size(), 20u);  // 2024-01-02T03:04:05Z
  // The indentation is docker's four spaces.
  EXPECT_EQ(o.out.substr(0, 16), "[\n    {\n        ") << o.out;
  // A name that is no image: the others are printed, an empty array when there are none, and
  // the exit code is 1, as docker's.
  const auto missing = env_.gantry({"inspect", "nope:1"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.out, "[]\n");
  EXPECT_EQ(missing.err, "gantry: image `nope:1`: no such image\n");
  const auto some = env_.gantry({"inspect", "-f", "{{.RepoTags}}", "nope:1", "app:1"});
  EXPECT_EQ(some.exit_code, 1);
  EXPECT_EQ(some.out, "[app:1]\n");
  // Imported, busybox has the comment import gives it.
  EXPECT_EQ(inspect("busybox")[0]["Comment"], "imported from a rootfs tarball");
}

TEST_F(DockerImageOutput, ImagesHasDockersColumnsAndFlags) {
  ASSERT_EQ(env_.gantry({"tag", "busybox", "mybox:2"}).exit_code, 0);
  const auto listed = env_.gantry({"images"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  const auto rows = lines_of(listed.out);
  ASSERT_EQ(rows.size(), 4u) << listed.out;
  // Columns as docker's tabwriter lays them out (CREATED as wide as its widest cell).
  EXPECT_TRUE(rows[0].starts_with("REPOSITORY   TAG       IMAGE ID       CREATED   ")) << listed.out;
  EXPECT_TRUE(rows[0].ends_with("   SIZE")) << listed.out;
  EXPECT_NE(rows[1].find(" ago   "), std::string::npos) << listed.out;  // go-units' words: human_duration_test

  // [REPOSITORY[:TAG]] filters as --filter reference= does: a name, a name and tag, a pattern.
  const auto named = lines_of(env_.gantry({"images", "busybox"}).out);
  ASSERT_EQ(named.size(), 2u);
  EXPECT_TRUE(named[1].starts_with("busybox ")) << named[1];
  EXPECT_EQ(lines_of(env_.gantry({"images", "mybo*"}).out).size(), 2u);
  EXPECT_EQ(lines_of(env_.gantry({"images", "mybox:2"}).out).size(), 2u);
  EXPECT_EQ(lines_of(env_.gantry({"images", "nothing"}).out).size(), 1u);

  // --no-trunc gives whole ids, -q only ids (one per name, as docker), -a the same list.
  const std::string id = env_.gantry({"inspect", "-f", "{{.Id}}", "busybox"}).out.substr(0, 71);
  const auto quiet = lines_of(env_.gantry({"images", "-q", "--no-trunc", "busybox"}).out);
  EXPECT_EQ(quiet, std::vector<std::string>{id});
  EXPECT_NE(env_.gantry({"images", "--no-trunc"}).out.find(id + "   "), std::string::npos);
  EXPECT_EQ(lines_of(env_.gantry({"images", "-q", "mybox"}).out), std::vector<std::string>{id.substr(7, 12)});
  // (Rows compared without their ages, which may tick between two runs.)
  const std::string row = "{{.Repository}}:{{.Tag}} {{.ID}} {{.Size}}";
  EXPECT_EQ(env_.gantry({"images", "-a", "--format", row}).out, env_.gantry({"images", "--format", row}).out);
  const auto table = lines_of(env_.gantry({"images", "--format", "table "}).out);  // 'table' alone: docker's
  ASSERT_EQ(table.size(), rows.size());
  EXPECT_TRUE(table[0].starts_with("REPOSITORY   TAG       IMAGE ID       CREATED   ")) << table[0];
  EXPECT_EQ(env_.gantry({"image", "ls", "--all", "-q"}).out, env_.gantry({"images", "-q"}).out);
}

TEST_F(DockerImageOutput, HistoryHasDockersColumnsAndFlags) {
  const auto history = env_.gantry({"history", "app:1"});
  ASSERT_EQ(history.exit_code, 0) << history.err;
  const auto rows = lines_of(history.out);
  const json config = env_.image_config("app:1");
  ASSERT_EQ(rows.size(), config["history"].size() + 1) << history.out;
  EXPECT_TRUE(rows[0].starts_with("IMAGE          CREATED   ")) << history.out;
  EXPECT_NE(rows[0].find("   CREATED BY                                      SIZE      COMMENT"), std::string::npos)
      << history.out;
  // A long step is cut to docker's 45 characters, unless --no-trunc.
  const std::string healthcheck = "HEALTHCHECK &{[\"CMD-SHELL\" \"true\"] \"5s\" \"0s\"\u2026";
  EXPECT_NE(history.out.find(healthcheck), std::string::npos) << history.out;
  const auto whole = env_.gantry({"history", "--no-trunc", "app:1"});
  EXPECT_NE(whole.out.find(R"(HEALTHCHECK &{["CMD-SHELL" "true"] "5s" "0s" "0s" "0s" '\x00'})"), std::string::npos)
      << whole.out;
  const std::string id = env_.gantry({"inspect", "-f", "{{.Id}}", "app:1"}).out.substr(0, 71);
  EXPECT_TRUE(lines_of(whole.out)[1].starts_with(id + "   ")) << whole.out;

  // -q: the id of each step's image, <missing> for the ones the store does not keep.
  const auto quiet = lines_of(env_.gantry({"history", "-q", "app:1"}).out);
  ASSERT_EQ(quiet.size(), config["history"].size());
  EXPECT_EQ(quiet[0], id.substr(7, 12));
  EXPECT_EQ(quiet[1], "<missing>");

  // -H=false: RFC 3339 times (docker's CREATED AT) and sizes in bytes.
  const auto raw = env_.gantry({"history", "-H=false", "busybox"}, {{"TZ", "UTC"}});
  ASSERT_EQ(raw.exit_code, 0) << raw.err;
  const auto raw_rows = lines_of(raw.out);
  ASSERT_EQ(raw_rows.size(), 2u) << raw.out;
  EXPECT_TRUE(raw_rows[0].starts_with("IMAGE          CREATED AT             CREATED BY      SIZE ")) << raw.out;
  EXPECT_NE(raw_rows[1].find("   1970-01-01T00:00:00Z   gantry import   "), std::string::npos) << raw.out;
  std::istringstream words(raw_rows[1]);
  std::string image, created, by1, by2, size;
  words >> image >> created >> by1 >> by2 >> size;
  EXPECT_TRUE(!size.empty() && std::all_of(size.begin(), size.end(), ::isdigit)) << raw.out;
  EXPECT_EQ(env_.gantry({"history", "--human=false", "busybox"}, {{"TZ", "UTC"}}).out, raw.out);
  const auto bad = env_.gantry({"history", "-H=maybe", "busybox"});
  EXPECT_EQ(bad.exit_code, 125);
  EXPECT_EQ(bad.err, "gantry: history -H: `maybe` is not true or false\n");
}

TEST(DockerImportFlags, ImportReadsStandardInputAndAppliesChangesAndMessage) {
  GantryEnv env;
  const auto imported = run_command({"sh", "-c",
                                     "'" + gantry_binary() + "' --root '" + env.root().string() +
                                         "' import -c 'CMD [\"sh\"]' --change 'ENV A=1' -c 'EXPOSE 80' "
                                         "-m 'from CI' - base:1 < '" + busybox_rootfs_tar().string() + "'"});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_EQ(imported.out.substr(0, 7), "sha256:");
  // What docker import gives for the same flags.
  const auto config = env.gantry({"inspect", "-f", "{{json .Config}} {{.Comment}}", "base:1"});
  EXPECT_EQ(config.out, R"({"ExposedPorts":{"80/tcp":{}},"Env":["A=1"],"Cmd":["sh"]} from CI)" "\n") << config.err;
  EXPECT_NE(env.gantry({"history", "base:1"}).out.find("   from CI\n"), std::string::npos);
}

TEST(DockerImportFlags, PlatformSaysWhatTheImageRunsOn) {
  GantryEnv env;
  const auto imported = env.gantry({"import", "--platform", "linux/arm64", busybox_rootfs_tar().string(), "arm:1"});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_EQ(env.gantry({"inspect", "-f", "{{.Os}}/{{.Architecture}}", "arm:1"}).out, "linux/arm64\n");
  const auto bad = env.gantry({"import", "--platform", "linux/arm64/v8/x", busybox_rootfs_tar().string(), "bad:1"});
  EXPECT_EQ(bad.exit_code, 125);
  EXPECT_EQ(bad.err, "gantry: platform `linux/arm64/v8/x`: not os/architecture[/variant]\n");
  EXPECT_EQ(env.gantry({"images", "-q", "bad"}).out, "");
}

TEST(DockerImportFlags, AChangeThatIsNotAConfigInstructionIsAUsageErrorAndImportsNothing) {
  GantryEnv env;
  const auto bad = env.gantry({"import", "-c", "RUN echo hi", busybox_rootfs_tar().string(), "base:1"});
  EXPECT_EQ(bad.exit_code, 125);
  EXPECT_EQ(bad.err, "gantry: --change `RUN echo hi`: RUN is not a valid change command\n");
  EXPECT_EQ(env.gantry({"images", "-q"}).out, "");
  const auto malformed = env.gantry({"import", "-c", "EXPOSE 80/xyz", busybox_rootfs_tar().string()});
  EXPECT_EQ(malformed.exit_code, 125);
  EXPECT_NE(malformed.err.find("invalid proto: xyz"), std::string::npos) << malformed.err;
}

}  // namespace gantry::e2e

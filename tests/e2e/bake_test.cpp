// gantry bake end to end: a bake file with two independent targets and one that depends on
// both, built on one store; outputs read back by gantry and skopeo; bake file errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "base/file_util.h"
#include "tests/e2e/gantry_runner.h"

namespace gantry::e2e {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kBakeFile = R"(group:
  default: [bundle]
  libs: [app, tools]
target:
  app:
    context: app
    target: runtime
    tags: [app:1]
    labels: {team: core}
  tools:
    context: tools
    tags: [tools:1]
    args: {FLAVOR: sharp}
    outputs: ["type=oci,dest=out/tools.tar"]
  bundle:
    context: app
    dockerfile: bundle.Dockerfile
    tags: [bundle:1]
    depends_on: [app, tools]
)";

// A project dir with the bake file above and its two contexts.
fs::path project(const GantryEnv& env, const std::string& bake_file = kBakeFile) {
  fs::path dir = env.scratch() / "project";
  fs::create_directories(dir / "app");
  fs::create_directories(dir / "tools");
  write_file_atomic(dir / "app/Dockerfile",
                    "FROM busybox AS base\nRUN echo shared-step > /shared\n"
                    "FROM base AS runtime\nRUN echo app > /app\n");
  // The same first stage as app's: its RUN is the step both targets share.
  write_file_atomic(dir / "app/bundle.Dockerfile",
                    "FROM busybox AS base\nRUN echo shared-step > /shared\n"
                    "FROM base\nCOPY --from=app:1 /app /app\nCOPY --from=tools:1 /tools /tools\n");
  write_file_atomic(dir / "tools/Dockerfile", "FROM busybox\nARG FLAVOR\nRUN echo tools-$FLAVOR > /tools\n");
  write_file_atomic(dir / "gantry.yaml", bake_file);
  return dir;
}

Outcome bake(const GantryEnv& env, const fs::path& dir, const std::vector<std::string>& args) {
  std::string command = "cd '" + dir.string() + "' && " + gantry_binary() + " bake";
  for (const auto& a : args) command += " '" + a + "'";
  return run_command({"sh", "-c", command}, {{"GANTRY_ROOT", env.root().string()}});
}

// How many times the plain progress log ran (not cached) and took from the cache the step
// whose description contains `step`.
std::pair<int, int> runs_and_hits(const std::string& log, const std::string& step) {
  std::set<std::string> ids;
  std::regex header("^#(\\d+) .*" + step);
  std::istringstream in(log);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::smatch m;
  for (const auto& l : lines)
    if (std::regex_search(l, m, header)) ids.insert(m[1]);
  int runs = 0, hits = 0;
  for (const auto& l : lines)
    for (const auto& id : ids) {
      if (l.starts_with("#" + id + " not cached")) ++runs;
      if (l == "#" + id + " CACHED") ++hits;
    }
  return {runs, hits};
}

}  // namespace

TEST(Bake, BuildsIndependentTargetsAndADependentOneOnOneStore) {
  GantryEnv env;
  env.import_busybox();
  fs::path dir = project(env);
  auto o = bake(env, dir, {"--progress", "plain"});
  ASSERT_EQ(o.exit_code, 0) << o.err;

  auto images = env.gantry({"images"});
  for (std::string name : {"app ", "tools ", "bundle "}) EXPECT_NE(images.out.find(name), std::string::npos) << images.out;
  auto app = json::parse(env.gantry({"inspect", "app:1"}).out)[0];
  EXPECT_EQ(app["Config"]["Labels"]["team"], "core");

  // The dependent target saw both dependencies' images.
  fs::path rootfs = env.scratch() / "bundle-rootfs";
  auto ctx = env.scratch() / "probe";
  fs::create_directories(ctx);
  write_file_atomic(ctx / "Dockerfile", "FROM bundle:1\n");
  ASSERT_EQ(env.gantry({"build", "-o", "type=local,dest=" + rootfs.string(), ctx.string()}).exit_code, 0);
  EXPECT_EQ(read_file(rootfs / "app"), "app\n");
  EXPECT_EQ(read_file(rootfs / "tools"), "tools-sharp\n");
  EXPECT_EQ(read_file(rootfs / "shared"), "shared-step\n");

  // The oci output, relative to the bake file, reads back with skopeo.
  ASSERT_TRUE(fs::exists(dir / "out/tools.tar"));
  auto skopeo = run_command({"skopeo", "inspect", "oci-archive:" + (dir / "out/tools.tar").string()});
  EXPECT_EQ(skopeo.exit_code, 0) << skopeo.err;
  EXPECT_EQ(json::parse(skopeo.out)["Layers"].size(), 2u) << skopeo.out;

  // The step app and bundle share ran once: bundle took it from the cache.
  auto [runs, hits] = runs_and_hits(o.err, "RUN echo shared-step");
  EXPECT_EQ(runs, 1) << o.err;
  EXPECT_GE(hits, 1) << o.err;
  // A second bake runs no RUN step again.
  auto again = bake(env, dir, {"--progress", "plain"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(runs_and_hits(again.err, "RUN echo").first, 0) << again.err;
}

TEST(Bake, RawjsonProgressCompletesEveryVertexAndStatusAndNamesEachTargetsImage) {
  GantryEnv env;
  env.import_busybox();
  fs::path dir = project(env);
  auto o = bake(env, dir, {"--progress", "rawjson", "libs"});
  ASSERT_EQ(o.exit_code, 0) << o.err;

  std::map<std::string, json> vertexes;  // as last sent, by digest
  std::vector<json> statuses;
  std::istringstream in(o.err);
  for (std::string line; std::getline(in, line);) {
    json s;
    ASSERT_NO_THROW(s = json::parse(line)) << line;
    for (const auto& v : s.value("vertexes", json::array())) vertexes[v.at("digest")] = v;
    for (const auto& st : s.value("statuses", json::array())) statuses.push_back(st);
  }
  for (const auto& [digest, v] : vertexes) EXPECT_TRUE(v.contains("completed")) << v;
  std::set<std::string> ids;
  for (const auto& st : statuses) {
    EXPECT_TRUE(st.contains("completed")) << st;
    EXPECT_TRUE(vertexes.count(st.at("vertex"))) << st;
    ids.insert(st.at("id"));
  }
  std::set<std::string> expected = {"naming to app:1", "naming to tools:1"};
  for (const std::string name : {"app:1", "tools:1"}) {
    auto id = env.gantry({"inspect", "-f", "{{.Id}}", name});
    ASSERT_EQ(id.exit_code, 0) << id.err;
    expected.insert("writing image " + id.out.substr(0, id.out.find('\n')));
  }
  EXPECT_EQ(ids, expected) << o.err;
}

TEST(Bake, PrintShowsTheResolvedTargetsAndBuildsNothing) {
  GantryEnv env;
  fs::path dir = project(env);
  auto o = bake(env, dir, {"--print", "--set", "tools.args.FLAVOR=mild", "--set", "*.labels.via=set", "libs"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  auto printed = json::parse(o.out);
  EXPECT_EQ(printed["target"].size(), 2u) << o.out;  // the group's targets, not bundle
  EXPECT_EQ(printed["target"]["tools"]["args"]["FLAVOR"], "mild");
  EXPECT_EQ(printed["target"]["app"]["labels"]["via"], "set");
  EXPECT_EQ(printed["target"]["app"]["target"], "runtime");
  EXPECT_FALSE(fs::exists(dir / "out"));
  EXPECT_EQ(env.gantry({"images", "-q"}).out, "");
}

TEST(Bake, BadBakeFilesAreUsageErrorsNamingTheFile) {
  GantryEnv env;
  const std::string file = (env.scratch() / "project" / "gantry.yaml").string();
  struct Case {
    std::string yaml;
    std::vector<std::string> args;
    std::string expected;
  };
  for (const auto& c : std::vector<Case>{
           {"target:\n  app:\n    context: app\n    colour: red\n", {"app"}, ": target.app: unknown key `colour`"},
           {"target:\n  a:\n    depends_on: [b]\n  b:\n    depends_on: [a]\n", {"a"}, ": dependency cycle: a -> b -> a"},
           {"target:\n  app:\n    context: app\n", {"nope"}, ": unknown target `nope`"},
           {"group:\n  default: [ghost]\ntarget:\n  app: {}\n", {}, ": group.default: unknown target `ghost`"},
           {"target:\n  app:\n    network: moon\n", {}, ": target.app.network: expected default, host or none"},
           {"target:\n  app:\n    entitlements: [root.everything]\n", {"app"},
            ": target.app.entitlements: unknown entitlement `root.everything` (known: network.host, "
            "security.insecure)"},
           {"targets: {}\n", {}, ": unknown key `targets`"}}) {
    fs::path dir = project(env, c.yaml);
    auto o = bake(env, dir, c.args);
    EXPECT_EQ(o.exit_code, 125) << c.yaml << o.err;
    EXPECT_NE(o.err.find("gantry: " + file + c.expected), std::string::npos) << c.yaml << o.err;
    EXPECT_EQ(std::count(o.err.begin(), o.err.end(), '\n'), 1) << o.err;
  }
  // No bake file at all, and a --set for a target that is not there.
  fs::path empty = env.scratch() / "empty";
  fs::create_directories(empty);
  EXPECT_EQ(bake(env, empty, {}).exit_code, 125);
  EXPECT_EQ(bake(env, project(env), {"--set", "ghost.tags=x", "app"}).exit_code, 125);
}

TEST(Bake, AFailedTargetFailsTheBakeWithExit1) {
  GantryEnv env;
  env.import_busybox();
  fs::path dir = project(env);
  write_file_atomic(dir / "tools/Dockerfile", "FROM busybox\nRUN exit 3\n");
  auto o = bake(env, dir, {"--progress", "plain"});
  EXPECT_EQ(o.exit_code, 1) << o.err;
  EXPECT_NE(o.err.find("gantry: target tools: "), std::string::npos) << o.err;
  EXPECT_EQ(env.gantry({"images", "-f", "reference=bundle"}).out.find("bundle"), std::string::npos);
}

// A target's cache-to and cache-from, relative to the bake file: a second machine with the
// exported cache runs none of the tools target's steps.
TEST(Bake, TargetsExportAndImportTheirBuildCache) {
  GantryEnv first;
  first.import_busybox();
  const fs::path dir = project(first);
  auto exported = bake(first, dir, {"--progress=plain", "--set", "tools.cache-to=type=local,dest=cache,mode=max", "tools"});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_TRUE(fs::exists(dir / "cache/index.json")) << exported.err;

  GantryEnv second;
  second.import_busybox();
  auto imported = bake(second, dir, {"--progress=plain", "--set", "tools.cache-from=type=local,src=cache", "tools"});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_EQ(runs_and_hits(imported.err, "RUN echo tools").first, 0) << imported.err;
  EXPECT_EQ(runs_and_hits(imported.err, "RUN echo tools").second, 1) << imported.err;
}

}  // namespace gantry::e2e

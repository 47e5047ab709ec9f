// The image verbs on a real store: import, images (and its filters), tag, rmi, inspect, history,
// save, load, and the `image` group with prune.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "base/file_util.h"
#include "tests/e2e/gantry_runner.h"

namespace gantry::e2e {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// The image ids (12 hex digits) `gantry images -q` prints for these extra arguments.
std::vector<std::string> image_ids(const GantryEnv& env, std::vector<std::string> args) {
  args.insert(args.begin(), {"images", "-q"});
  auto o = env.gantry(args);
  EXPECT_EQ(o.exit_code, 0) << o.err;
  std::vector<std::string> ids;
  std::size_t pos = 0;
  while (pos < o.out.size()) {
    auto nl = o.out.find('\n', pos);
    ids.push_back(o.out.substr(pos, nl - pos));
    pos = nl == std::string::npos ? o.out.size() : nl + 1;
  }
  return ids;
}

std::string short_id(const GantryEnv& env, const std::string& image) {
  auto o = env.gantry({"inspect", image});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  return json::parse(o.out)[0]["Id"].get<std::string>().substr(7, 12);
}

// Builds `dockerfile` in a context of its own as `tag`; returns the image id.
std::string build(const GantryEnv& env, const std::string& tag, const std::string& dockerfile) {
  fs::path ctx = env.scratch() / "ctx";
  fs::create_directories(ctx);
  write_file_atomic(ctx / "Dockerfile", dockerfile);
  auto o = env.gantry({"build", "-q", "-t", tag, ctx.string()});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  return o.out.substr(7, 12);
}

// A store with busybox, app:1 rebuilt once (its first image left untagged) and tools:1.
struct StoreWithADanglingImage {
  GantryEnv env;
  std::string old_app, app, tools, busybox;
  StoreWithADanglingImage() {
    env.import_busybox();
    old_app = build(env, "app:1", "FROM busybox\nLABEL team=core tier=web\nRUN echo first > /v\n");
    app = build(env, "app:1", "FROM busybox\nLABEL team=core tier=web\nRUN echo second > /v\n");
    tools = build(env, "team/tools:1", "FROM busybox\nLABEL team=infra\nRUN echo tools > /t\n");
    busybox = short_id(env, "busybox");
  }
};

}  // namespace

TEST(ImageCommands, ImportThenImagesListsIt) {
  GantryEnv env;
  env.import_busybox();
  auto o = env.gantry({"images"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.out.find("REPOSITORY"), std::string::npos);
  EXPECT_NE(o.out.find("busybox"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("latest"), std::string::npos) << o.out;
}

TEST(ImageCommands, TagInspectAndRmi) {
  GantryEnv env;
  env.import_busybox();
  ASSERT_EQ(env.gantry({"tag", "busybox", "mybox:2"}).exit_code, 0);
  auto a = json::parse(env.gantry({"inspect", "busybox"}).out);
  auto b = json::parse(env.gantry({"inspect", "mybox:2"}).out);
  EXPECT_EQ(a[0]["Descriptor"], b[0]["Descriptor"]);
  EXPECT_EQ(a[0]["RootFS"]["Layers"].size(), 1u);
  EXPECT_EQ(b[0]["RepoTags"], json({"busybox:latest", "mybox:2"}));
  // Removing an image by id while two names use it needs -f.
  std::string id = a[0]["Id"].get<std::string>().substr(7, 12);
  EXPECT_NE(env.gantry({"rmi", id}).exit_code, 0);
  EXPECT_EQ(env.gantry({"rmi", "mybox:2"}).exit_code, 0);
  EXPECT_EQ(env.gantry({"images"}).out.find("mybox"), std::string::npos);
  EXPECT_NE(env.gantry({"inspect", "mybox:2"}).exit_code, 0);
}

TEST(ImageCommands, SaveAndLoadRoundTripBothFormats) {
  GantryEnv env;
  env.import_busybox();
  auto digest = json::parse(env.gantry({"inspect", "busybox"}).out)[0]["Descriptor"]["digest"];
  for (std::string format : {"docker", "oci"}) {
    fs::path archive = env.scratch() / (format + ".tar");
    auto s = env.gantry({"save", "--format", format, "-o", archive.string(), "busybox"});
    ASSERT_EQ(s.exit_code, 0) << s.err;
    GantryEnv other;
    auto l = other.gantry({"load", "-i", archive.string()});
    ASSERT_EQ(l.exit_code, 0) << l.err;
    EXPECT_NE(l.out.find("busybox:latest"), std::string::npos) << l.out;
    auto run = other.gantry({"history", "busybox"});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    if (format == "oci") {
      EXPECT_EQ(json::parse(other.gantry({"inspect", "busybox"}).out)[0]["Descriptor"]["digest"], digest);
    }
  }
}

TEST(ImageCommands, DanglingFilterListsExactlyTheImageARebuildUntagged) {
  StoreWithADanglingImage store;
  auto& env = store.env;
  ASSERT_NE(store.old_app, store.app);
  EXPECT_EQ(image_ids(env, {"-f", "dangling=true"}), std::vector<std::string>{store.old_app});
  auto named = image_ids(env, {"--filter", "dangling=false"});
  std::sort(named.begin(), named.end());
  std::vector<std::string> expected{store.app, store.tools, store.busybox};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(named, expected);
  // The plain listing shows it as docker does, and it can be inspected by id.
  auto all = env.gantry({"images"});
  EXPECT_NE(all.out.find("<none>"), std::string::npos) << all.out;
  EXPECT_EQ(env.gantry({"inspect", store.old_app}).exit_code, 0);
}

TEST(ImageCommands, ReferenceAndLabelFilters) {
  StoreWithADanglingImage store;
  auto& env = store.env;
  EXPECT_EQ(image_ids(env, {"-f", "reference=app"}), std::vector<std::string>{store.app});
  EXPECT_EQ(image_ids(env, {"-f", "reference=app:1"}), std::vector<std::string>{store.app});
  EXPECT_EQ(image_ids(env, {"-f", "reference=team/*"}), std::vector<std::string>{store.tools});
  // '*' does not cross '/', as in docker.
  EXPECT_EQ(image_ids(env, {"-f", "reference=*:1"}), std::vector<std::string>{store.app});
  // Several references are or-ed.
  EXPECT_EQ(image_ids(env, {"-f", "reference=busybox", "-f", "reference=app"}).size(), 2u);
  // Labels: by key, by key and value; several are and-ed; dangling images have labels too.
  auto core = image_ids(env, {"-f", "label=team=core"});
  std::sort(core.begin(), core.end());
  std::vector<std::string> both{store.app, store.old_app};
  std::sort(both.begin(), both.end());
  EXPECT_EQ(core, both);
  EXPECT_EQ(image_ids(env, {"-f", "label=team"}).size(), 3u);
  EXPECT_EQ(image_ids(env, {"-f", "label=team=infra", "-f", "label=tier"}), std::vector<std::string>{});
  EXPECT_EQ(image_ids(env, {"-f", "label=tier=web", "-f", "dangling=false"}), std::vector<std::string>{store.app});
}

TEST(ImageCommands, BadFilterIsAUsageError) {
  GantryEnv env;
  env.import_busybox();
  for (std::string filter : {"bogus=1", "dangling=maybe", "dangling", "label=", "=x"}) {
    auto o = env.gantry({"images", "-f", filter});
    EXPECT_EQ(o.exit_code, 125) << filter;
    EXPECT_NE(o.err.find("invalid filter `" + filter + "`"), std::string::npos) << o.err;
  }
  EXPECT_EQ(env.gantry({"image", "ls", "--filter", "reference="}).exit_code, 125);
}

TEST(ImageCommands, PruneRemovesOnlyDanglingImagesAndBuildsStillWork) {
  StoreWithADanglingImage store;
  auto& env = store.env;
  const std::string old_config = json::parse(env.gantry({"inspect", store.old_app}).out)[0]["Id"];
  ASSERT_TRUE(fs::exists(env.root() / "blobs" / "sha256" / old_config.substr(7)));
  // Without -f it asks; anything but yes keeps everything.
  auto asked = run_command({"sh", "-c", "echo n | " + gantry_binary() + " image prune"},
                           {{"GANTRY_ROOT", env.root().string()}});
  EXPECT_EQ(asked.exit_code, 0) << asked.err;
  EXPECT_NE(asked.out.find("WARNING! This will remove all dangling images.\nAre you sure you want to continue? [y/N]"),
            std::string::npos) << asked.out;
  EXPECT_EQ(image_ids(env, {"-f", "dangling=true"}).size(), 1u);

  auto pruned = run_command({"sh", "-c", "echo y | " + gantry_binary() + " image prune"},
                            {{"GANTRY_ROOT", env.root().string()}});
  ASSERT_EQ(pruned.exit_code, 0) << pruned.err;
  EXPECT_NE(pruned.out.find("Deleted Images:\ndeleted: sha256:" + store.old_app), std::string::npos) << pruned.out;
  EXPECT_NE(pruned.out.find("Total reclaimed space: "), std::string::npos) << pruned.out;
  EXPECT_TRUE(image_ids(env, {"-f", "dangling=true"}).empty());
  EXPECT_NE(env.gantry({"inspect", store.old_app}).exit_code, 0);
  EXPECT_EQ(image_ids(env, {}).size(), 3u);
  // The old image's config blob is gone; the named images are intact: builds from them work.
  EXPECT_EQ(build(env, "app:2", "FROM app:1\nRUN cat /v > /copy\n").size(), 12u);
  EXPECT_EQ(build(env, "app:1", "FROM busybox\nLABEL team=core tier=web\nRUN echo second > /v\n"), store.app);
  EXPECT_FALSE(fs::exists(env.root() / "blobs" / "sha256" / old_config.substr(7)));
}

TEST(ImageCommands, PruneAllRemovesEveryImage) {
  StoreWithADanglingImage store;
  auto& env = store.env;
  auto o = env.gantry({"image", "prune", "-a", "-f"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  for (const std::string& name : std::vector<std::string>{"untagged: app:1", "untagged: busybox:latest", "untagged: team/tools:1",
                           "deleted: sha256:" + store.old_app})
    EXPECT_NE(o.out.find(name), std::string::npos) << name << "\n" << o.out;
  EXPECT_TRUE(image_ids(env, {}).empty());
  // The store works on: import and build again.
  env.import_busybox();
  EXPECT_EQ(build(env, "app:1", "FROM busybox\nRUN echo again > /v\n").size(), 12u);
}

TEST(ImageCommands, ImageGroupSpellsTheVerbsAsDockerDoes) {
  GantryEnv env;
  env.import_busybox();
  EXPECT_EQ(env.gantry({"image", "tag", "busybox", "box:2"}).exit_code, 0);
  auto ls = env.gantry({"image", "ls"});
  EXPECT_NE(ls.out.find("box"), std::string::npos) << ls.out;
  EXPECT_EQ(env.gantry({"image", "history", "box:2"}).exit_code, 0);
  EXPECT_EQ(json::parse(env.gantry({"image", "inspect", "box:2"}).out)[0]["Id"],
            json::parse(env.gantry({"inspect", "busybox"}).out)[0]["Id"]);
  fs::path archive = env.scratch() / "box.tar";
  EXPECT_EQ(env.gantry({"image", "save", "-o", archive.string(), "box:2"}).exit_code, 0);
  auto rm = env.gantry({"image", "rm", "box:2"});
  EXPECT_EQ(rm.out, "Untagged: box:2\n");
  EXPECT_EQ(env.gantry({"image", "load", "-i", archive.string()}).exit_code, 0);
  EXPECT_EQ(env.gantry({"image", "inspect", "box:2"}).exit_code, 0);
  auto none = env.gantry({"image"});
  EXPECT_EQ(none.exit_code, 125);
  EXPECT_NE(none.err.find("\"gantry image\" needs a command"), std::string::npos) << none.err;
}

}  // namespace gantry::e2e

namespace gantry::e2e {
namespace {

// REPOSITORY:TAG -> SIZE, as `gantry images` shows them (SIZE is the last column).
std::map<std::string, std::string> listed_sizes(const GantryEnv& env) {
  std::map<std::string, std::string> sizes;
  const Outcome o = env.gantry({"images"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  std::istringstream lines(o.out);
  std::string line;
  std::getline(lines, line);  // the header
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string repository, tag, word, last;
    words >> repository >> tag;
    while (words >> word) last = word;
    sizes[repository + ":" + tag] = last;
  }
  return sizes;
}

// SIZE is the layers uncompressed, so an image shows the same size built, imported, loaded from
// either format (pulled: registry_test), and loading an image that is there already adds no
// second, untagged copy of it.
TEST(ImageCommands, SizeIsTheSameHoweverTheImageCameInAndLoadAddsNoDanglingCopy) {
  GantryEnv env;
  env.import_busybox();
  build(env, "app:1", "FROM busybox\nRUN echo built > /built.txt\n");
  const auto built = listed_sizes(env);
  ASSERT_EQ(built.size(), 2u);

  for (std::string format : {"docker", "oci"}) {
    const fs::path archive = env.scratch() / ("app-" + format + ".tar");
    const Outcome saved = env.gantry({"save", "--format", format, "-o", archive.string(), "app:1", "busybox"});
    ASSERT_EQ(saved.exit_code, 0) << saved.err;
    GantryEnv other;
    ASSERT_EQ(other.gantry({"load", "-i", archive.string()}).exit_code, 0);
    EXPECT_EQ(listed_sizes(other), built) << format;
    // Back into the store it came from: the same two images, nothing dangling.
    const Outcome again = env.gantry({"load", "-i", archive.string()});
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_EQ(listed_sizes(env), built) << format;
  }
}

// An archive's image without a name is kept, as docker keeps it, listed as <none> (and so not
// lost to the next garbage collection).
TEST(ImageCommands, LoadOfAnUntaggedImageListsItAsDangling) {
  GantryEnv env;
  env.import_busybox();
  const std::string id = json::parse(env.gantry({"inspect", "busybox"}).out)[0]["Id"].get<std::string>();
  const fs::path archive = env.scratch() / "untagged.tar";
  ASSERT_EQ(env.gantry({"save", "--format", "oci", "-o", archive.string(), id.substr(7, 12)}).exit_code, 0);
  GantryEnv other;
  ASSERT_EQ(other.gantry({"load", "-i", archive.string()}).exit_code, 0);
  EXPECT_EQ(image_ids(other, {"-f", "dangling=true"}), std::vector<std::string>{id.substr(7, 12)});
  ASSERT_EQ(other.gantry({"prune", "-a"}).exit_code, 0);
  EXPECT_EQ(other.gantry({"history", id.substr(7, 12)}).exit_code, 0);
}

// What docker 20.10's BuildKit wrote into the config of the same Dockerfile (docker save): no
// "Shell": null when SHELL was never set, ArgsEscaped with CMD, an ARG entry, no ONBUILD entry,
// WORKDIR without the "# buildkit" mark, EXPOSE and HEALTHCHECK as Go prints BuildKit's values,
// and COPY without its flags.
TEST(ImageCommands, ConfigAndHistoryAreWhatBuildKitWrites) {
  GantryEnv env;
  env.import_busybox();
  build(env, "cfg:1",
        "FROM busybox\nARG V=1\nCOPY --chown=1:1 Dockerfile /d\nWORKDIR /app\nEXPOSE 8000-8001 53/udp\n"
        "HEALTHCHECK --interval=5s CMD true\nONBUILD RUN echo hi\nCMD echo $V\n");
  const json image = env.image_config("cfg:1");
  EXPECT_FALSE(image["config"].contains("Shell")) << image["config"].dump();
  EXPECT_EQ(image["config"]["ArgsEscaped"], true) << image["config"].dump();
  std::vector<std::string> created_by;
  for (const json& entry : image["history"]) created_by.push_back(entry["created_by"].get<std::string>());
  const std::vector<std::string> expected = {
      "gantry import",
      "ARG V=1",
      "COPY Dockerfile /d # buildkit",
      "WORKDIR /app",
      "EXPOSE map[53/udp:{} 8000/tcp:{} 8001/tcp:{}]",
      R"(HEALTHCHECK &{["CMD-SHELL" "true"] "5s" "0s" "0s" "0s" '\x00'})",
      R"(CMD ["/bin/sh" "-c" "echo $V"])",
  };
  EXPECT_EQ(created_by, expected);
}

}  // namespace
TEST(ImageCommands, AnUntaggedBuildIsFoundByItsIdInEveryCommand) {
  GantryEnv env;
  env.import_busybox();
  const fs::path ctx = env.scratch() / "ctx";
  fs::create_directories(ctx);
  write_file_atomic(ctx / "Dockerfile", "FROM busybox\nRUN echo built > /built\nCMD [\"cat\", \"/built\"]\n");
  const fs::path iidfile = env.scratch() / "iid";
  const Outcome built = env.gantry({"build", "-q", "--network=none", "--iidfile", iidfile.string(), ctx.string()});
  ASSERT_EQ(built.exit_code, 0) << built.err;
  const std::string id = built.out.substr(0, built.out.find('\n'));  // sha256:...
  EXPECT_EQ(read_file(iidfile), id);

  // Dangling, as docker keeps an image built without -t.
  const Outcome dangling = env.gantry({"images", "-q", "-f", "dangling=true"});
  EXPECT_EQ(dangling.out, id.substr(7, 12) + "\n");
  for (const std::string& ref : {id, id.substr(7), id.substr(7, 12)}) {
    const Outcome ran = env.gantry({"run", "--rm", "--network=none", ref});
    EXPECT_EQ(ran.exit_code, 0) << ref << ": " << ran.err;
    EXPECT_EQ(ran.out, "built\n") << ref;
    EXPECT_EQ(env.gantry({"inspect", ref}).exit_code, 0) << ref;
    EXPECT_EQ(env.gantry({"history", ref}).exit_code, 0) << ref;
  }
  const fs::path archive = env.scratch() / "built.tar";
  EXPECT_EQ(env.gantry({"save", "-o", archive.string(), id.substr(7, 12)}).exit_code, 0);
  EXPECT_GT(fs::file_size(archive), 0u);
  ASSERT_EQ(env.gantry({"tag", id.substr(7, 12), "built:1"}).exit_code, 0);
  EXPECT_EQ(env.gantry({"images", "-q", "-f", "dangling=true"}).out, "");  // named now
  const Outcome removed = env.gantry({"rmi", "built:1"});
  EXPECT_EQ(removed.exit_code, 0) << removed.err;
}

TEST(ImageCommands, ANameThatLooksLikeAnIdPrefixIsANameFirst) {
  GantryEnv env;
  env.import_busybox();
  const std::string busybox_id = short_id(env, "busybox");
  // A name spelled like the start of busybox's id names the other image.
  const std::string name = busybox_id.substr(0, 6);
  const std::string other = build(env, name + ":latest", "FROM busybox\nRUN echo other > /other\n");
  EXPECT_EQ(short_id(env, name), other);
  EXPECT_EQ(short_id(env, busybox_id), busybox_id);
}

}  // namespace gantry::e2e

// COPY/ADD --link as BuildKit does it: the copied files are a layer made on scratch and merged on
// top of the stage, so a change to an earlier step leaves the --link step cached and its layer
// blob the same, while the image's filesystem is still the base with the layer applied on top.
// Checked on oci-archive exports, unpacked by umoci as a consumer would.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "base/file_util.h"
#include "tests/e2e/gantry_runner.h"
#include "tests/e2e/oci_archive_reader.h"

namespace gantry::e2e {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

class CopyLinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_.import_busybox();
    fs::create_directories(ctx());
  }
  fs::path ctx() const { return env_.scratch() / "ctx"; }
  void write(const std::string& rel, const std::string& data) const { write_file_atomic(ctx() / rel, data); }

  struct Build {
    Outcome outcome;
    std::map<std::string, json> vertexes;  // by name, as last reported (--progress=rawjson)
    json manifest;                         // of the oci-archive written
    UnpackedImage image;
  };
  // Builds the context on `env`'s root (this test's by default) into an oci-archive.
  Build build(const std::string& dockerfile, const std::string& name, std::vector<std::string> flags = {},
              const GantryEnv* env = nullptr) const {
    write("Dockerfile", dockerfile);
    const fs::path archive = env_.scratch() / (name + ".tar");
    std::vector<std::string> args = {"build", "--progress=rawjson", "--network=none", "-t", "link:" + name, "-o",
                                     "type=oci,dest=" + archive.string()};
    args.insert(args.end(), flags.begin(), flags.end());
    args.push_back(ctx().string());
    Build b;
    b.outcome = (env ? *env : env_).gantry(args);
    if (b.outcome.exit_code != 0) return b;
    std::istringstream statuses(b.outcome.err);
    for (std::string line; std::getline(statuses, line);)
      if (line.starts_with("{"))  // and not a message such as the cache export's
        for (const json& v : json::parse(line).value("vertexes", json::array())) b.vertexes[v.value("name", "")] = v;
    const fs::path work = env_.scratch() / name;
    b.image = unpack_oci_archive(archive, work);
    const json index = json::parse(read_file(work / "layout/index.json"));
    const std::string digest = index.at("manifests").at(0).at("digest");
    b.manifest = json::parse(read_file(work / "layout/blobs/sha256" / digest.substr(digest.find(':') + 1)));
    return b;
  }
  static std::vector<std::string> layer_digests(const Build& b) {
    std::vector<std::string> out;
    for (const json& layer : b.manifest.at("layers")) out.push_back(layer.at("digest"));
    return out;
  }
  static bool cached(const Build& b, const std::string& name) {
    auto it = b.vertexes.find(name);
    EXPECT_NE(it, b.vertexes.end()) << "no step " << name;
    return it != b.vertexes.end() && it->second.value("cached", false);
  }

  GantryEnv env_;
};

}  // namespace

TEST_F(CopyLinkTest, AnEarlierStepChangedLeavesTheLinkedStepCachedAndItsBlobTheSame) {
  write("f", "linked file\n");
  const Build first = build("FROM busybox\nRUN echo 1 > /a\nCOPY --link f /f\n", "first");
  ASSERT_EQ(first.outcome.exit_code, 0) << first.outcome.err;
  const Build second = build("FROM busybox\nRUN echo 2 > /a\nCOPY --link f /f\n", "second");
  ASSERT_EQ(second.outcome.exit_code, 0) << second.outcome.err;

  EXPECT_FALSE(cached(second, "[2/3] RUN echo 2 > /a"));
  EXPECT_TRUE(cached(second, "[3/3] COPY --link f /f")) << "the copy depends on the RUN before it";
  EXPECT_FALSE(cached(second, "[3/3] LINK COPY --link f /f")) << "the merge is over the new RUN layer";

  // busybox, the RUN, the copy: only the RUN's blob changed.
  const auto before = layer_digests(first), after = layer_digests(second);
  ASSERT_EQ(before.size(), 3u);
  ASSERT_EQ(after.size(), 3u);
  EXPECT_EQ(after[0], before[0]);
  EXPECT_NE(after[1], before[1]);
  EXPECT_EQ(after[2], before[2]) << "the --link layer's blob was made again";
  EXPECT_EQ(after[2], second.manifest.at("layers").at(2).at("digest"));
  EXPECT_EQ(second.image.layers.at(2), (std::vector<std::string>{"f"})) << "the layer holds the copy alone";

  // The image is the base with the layer on top.
  EXPECT_EQ(read_file(second.image.rootfs / "a"), "2\n");
  EXPECT_EQ(read_file(second.image.rootfs / "f"), "linked file\n");
  EXPECT_TRUE(fs::exists(second.image.rootfs / "bin/busybox"));
}

TEST_F(CopyLinkTest, AMinModeCacheCarriesTheLinkedStepToAnotherRootWhoseEarlierStepDiffers) {
  write("f", "linked file\n");
  const fs::path cache_dir = env_.scratch() / "cache";
  const Build first = build("FROM busybox\nRUN echo 1 > /a\nCOPY --link f /f\n", "first",
                            {"--cache-to", "type=local,dest=" + cache_dir.string()});
  ASSERT_EQ(first.outcome.exit_code, 0) << first.outcome.err;

  GantryEnv other;  // another machine: nothing in its store but busybox
  other.import_busybox();
  const Build second = build("FROM busybox\nRUN echo 2 > /a\nCOPY --link f /f\n", "second",
                             {"--cache-from", "type=local,src=" + cache_dir.string()}, &other);
  ASSERT_EQ(second.outcome.exit_code, 0) << second.outcome.err;
  EXPECT_FALSE(cached(second, "[2/3] RUN echo 2 > /a"));
  EXPECT_TRUE(cached(second, "[3/3] COPY --link f /f")) << "the cache left out the step off the image's chain";
  const auto before = layer_digests(first), after = layer_digests(second);
  ASSERT_EQ(after.size(), 3u);
  EXPECT_EQ(after[2], before[2]);
  EXPECT_EQ(read_file(second.image.rootfs / "a"), "2\n");
  EXPECT_EQ(read_file(second.image.rootfs / "f"), "linked file\n");
}

TEST_F(CopyLinkTest, TheLayerIsAppliedOnTopOfTheBaseAndLaterStepsSeeBoth) {
  write("app.conf", "app\n");
  write("f", "linked file\n");
  const Build b = build(
      "FROM busybox\n"
      "RUN mkdir -p /etc/app /real && echo base > /etc/app/base.conf && echo kept > /real/old && ln -s /real /ln\n"
      "WORKDIR /srv/www\n"
      // Into a directory the base has: its other files stay.
      "COPY --link app.conf /etc/app/\n"
      // Through a symlink of the base: the copy cannot follow it, the path becomes a directory.
      "COPY --link --chown=1000:50 f /ln/f\n"
      // Relative to the working directory.
      "COPY --link f .\n"
      "RUN cat /etc/app/base.conf /etc/app/app.conf /srv/www/f > /seen && stat -c %u:%g /ln/f >> /seen"
      " && ls /ln >> /seen && test -d /ln && ! test -L /ln && echo ln-is-a-directory >> /seen\n",
      "applied");
  ASSERT_EQ(b.outcome.exit_code, 0) << b.outcome.err;
  const fs::path& root = b.image.rootfs;
  EXPECT_EQ(read_file(root / "seen"), "base\napp\nlinked file\n1000:50\nf\nln-is-a-directory\n");

  EXPECT_EQ(read_file(root / "etc/app/base.conf"), "base\n");
  EXPECT_EQ(read_file(root / "etc/app/app.conf"), "app\n");
  EXPECT_TRUE(fs::exists(root / "etc/passwd")) << "the base's /etc lost its files";
  EXPECT_TRUE(fs::is_directory(fs::symlink_status(root / "ln")));
  EXPECT_EQ(read_file(root / "ln/f"), "linked file\n");
  EXPECT_EQ(read_file(root / "real/old"), "kept\n");
  EXPECT_FALSE(fs::exists(root / "real/f")) << "the copy followed the base's symlink";
  EXPECT_EQ(read_file(root / "srv/www/f"), "linked file\n");
  struct stat st {};
  ASSERT_EQ(::stat((root / "ln/f").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 1000u);
  EXPECT_EQ(st.st_gid, 50u);

  // busybox, RUN, WORKDIR, three linked layers, RUN: each linked layer holds its copy and the
  // directories above it, no whiteout or opaque marker that would hide the base's files.
  ASSERT_EQ(b.image.layers.size(), 7u);
  EXPECT_EQ(b.image.layers[3], (std::vector<std::string>{"etc", "etc/app", "etc/app/app.conf"}));
  EXPECT_EQ(b.image.layers[4], (std::vector<std::string>{"ln", "ln/f"}));
  EXPECT_EQ(b.image.layers[5], (std::vector<std::string>{"srv", "srv/www", "srv/www/f"}));
}

TEST_F(CopyLinkTest, ChownByNameIsRefusedWithTheLine) {
  write("f", "x\n");
  write("Dockerfile", "FROM busybox\nCOPY --link --chown=nobody f /f\n");
  const Outcome o = env_.gantry({"build", "--progress=plain", ctx().string()});
  EXPECT_EQ(o.exit_code, 1) << o.err;
  EXPECT_NE(o.err.find("Dockerfile:2: --chown with --link: the user \"nobody\" is a name"), std::string::npos) << o.err;
}

}  // namespace gantry::e2e

// Every --output type, checked with real tools, and byte-for-byte reproducibility with
// SOURCE_DATE_EPOCH.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/digest.h"
#include "base/file_util.h"
#include "tests/e2e/gantry_runner.h"

namespace gantry::e2e {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// The manifest of the first image in an oci-archive, read straight from the tar (umoci cannot
// read zstd layers, so no unpacking).
json manifest_of(const fs::path& archive) {
  auto index = json::parse(run_command({"tar", "-xOf", archive.string(), "index.json"}).out);
  auto digest = index["manifests"][0]["digest"].get<std::string>();
  return json::parse(run_command({"tar", "-xOf", archive.string(), "blobs/sha256/" + digest.substr(7)}).out);
}

class OutputsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(shared_tools() / "oci-validate.sh"))
      GTEST_SKIP() << "../shared/tools/oci-validate.sh is not there to check the exports";
    env_.import_busybox();
  }
  Outcome build(const std::string& output, std::map<std::string, std::string> env = {}) {
    return env_.gantry({"build", "--network=none", "-t", "out:1", "-o", output,
                        testdata("busybox-app").string()},
                       std::move(env));
  }
  Outcome validate(std::vector<std::string> flags, const fs::path& path) {
    std::vector<std::string> argv{(shared_tools() / "oci-validate.sh").string()};
    argv.insert(argv.end(), flags.begin(), flags.end());
    argv.push_back(path.string());
    return run_command(argv, {{"GANTRY_VALIDATE_DIR", (env_.scratch() / "validate").string()}});
  }
  GantryEnv env_;
};

}  // namespace

TEST_F(OutputsTest, ZstdOciArchivePassesSkopeoAndPodman) {
  fs::path archive = env_.scratch() / "zstd.tar";
  auto b = build("type=oci,dest=" + archive.string() + ",compression=zstd,compression-level=3");
  ASSERT_EQ(b.exit_code, 0) << b.err;
  auto v = validate({"--run", "", "--expect", "app says"}, archive);
  EXPECT_EQ(v.exit_code, 0) << v.out;
  EXPECT_NE(v.out.find("PASS structure"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("PASS skopeo-inspect"), std::string::npos) << v.out;
  auto manifest = manifest_of(archive);
  // The base image keeps its own (gzip) layer; every layer the build made is zstd.
  ASSERT_EQ(manifest["layers"].size(), 4u);
  EXPECT_EQ(manifest["layers"][0]["mediaType"], "application/vnd.oci.image.layer.v1.tar+gzip");
  for (std::size_t i = 1; i < manifest["layers"].size(); ++i)
    EXPECT_EQ(manifest["layers"][i]["mediaType"], "application/vnd.oci.image.layer.v1.tar+zstd");
}

TEST_F(OutputsTest, ForceCompressionRecompressesTheBaseLayersToo) {
  fs::path archive = env_.scratch() / "forced.tar";
  auto b = build("type=oci,dest=" + archive.string() + ",compression=zstd,force-compression=true");
  ASSERT_EQ(b.exit_code, 0) << b.err;
  auto manifest = manifest_of(archive);
  for (const auto& layer : manifest["layers"])
    EXPECT_EQ(layer["mediaType"], "application/vnd.oci.image.layer.v1.tar+zstd");
  EXPECT_EQ(validate({"--no-podman"}, archive).exit_code, 0);
}

TEST_F(OutputsTest, UncompressedLayers) {
  fs::path archive = env_.scratch() / "plain.tar";
  auto b = build("type=oci,dest=" + archive.string() + ",compression=uncompressed");
  ASSERT_EQ(b.exit_code, 0) << b.err;
  auto v = validate({"--run", "", "--expect", "app says"}, archive);
  EXPECT_EQ(v.exit_code, 0) << v.out;
  EXPECT_NE(v.out.find("PASS umoci-unpack"), std::string::npos) << v.out;
}

TEST_F(OutputsTest, DockerMediaTypesInAnOciLayout) {
  fs::path archive = env_.scratch() / "schema2.tar";
  auto b = build("type=oci,dest=" + archive.string() + ",oci-mediatypes=false");
  ASSERT_EQ(b.exit_code, 0) << b.err;
  // skopeo and umoci only look for OCI manifests in a layout; the deep structure check (every
  // digest, size and diff_id) is what applies here.
  auto v = validate({"--no-podman"}, archive);
  EXPECT_NE(v.out.find("PASS structure"), std::string::npos) << v.out;
}

TEST_F(OutputsTest, TarOutputIsTheFlattenedFilesystem) {
  fs::path tarball = env_.scratch() / "rootfs.tar";
  auto b = build("type=tar,dest=" + tarball.string());
  ASSERT_EQ(b.exit_code, 0) << b.err;
  auto list = run_command({"tar", "-tf", tarball.string()});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  for (const char* path : {"app/greet.sh", "opt/util.sh", "bin/busybox", "etc/passwd"})
    EXPECT_NE(list.out.find(path), std::string::npos) << path;
  EXPECT_EQ(list.out.find(".wh."), std::string::npos);
  EXPECT_EQ(list.out.find("ignored.txt"), std::string::npos);
}

TEST_F(OutputsTest, SourceDateEpochMakesTheArchiveByteForByteReproducible) {
  GantryEnv other;
  other.import_busybox();
  const std::map<std::string, std::string> sde{{"SOURCE_DATE_EPOCH", "1700000000"}};
  fs::path a = env_.scratch() / "a.tar", b = other.scratch() / "b.tar";
  ASSERT_EQ(build("type=oci,dest=" + a.string(), sde).exit_code, 0);
  auto second = other.gantry({"build", "--network=none", "--no-cache", "-t", "out:1", "-o",
                              "type=oci,dest=" + b.string(), testdata("busybox-app").string()},
                             sde);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(sha256_of_file(a), sha256_of_file(b));
}

TEST_F(OutputsTest, GzippedArchivesLoad) {
  fs::path archive = env_.scratch() / "img.tar";
  ASSERT_EQ(build("type=oci,dest=" + archive.string()).exit_code, 0);
  ASSERT_EQ(run_command({"gzip", "-k", archive.string()}).exit_code, 0);
  GantryEnv other;
  auto l = other.gantry({"load", "-i", archive.string() + ".gz"});
  EXPECT_EQ(l.exit_code, 0) << l.err;
  EXPECT_NE(l.out.find("out:1"), std::string::npos) << l.out;
  auto run = other.gantry({"run", "--rm", "--network", "none", "out:1"});
  EXPECT_NE(run.out.find("app says"), std::string::npos) << run.out << run.err;
}

TEST_F(OutputsTest, CorruptArchiveIsRejectedAndLeavesTheStoreUsable) {
  fs::path archive = env_.scratch() / "img.tar";
  ASSERT_EQ(build("type=oci,dest=" + archive.string()).exit_code, 0);
  std::string bytes = read_file(archive);
  bytes.resize(bytes.size() / 2);  // truncated mid-layer
  write_file_atomic(archive, bytes);
  GantryEnv other;
  other.import_busybox();
  auto l = other.gantry({"load", "-i", archive.string()});
  EXPECT_NE(l.exit_code, 0);
  EXPECT_NE(l.err.find("img.tar"), std::string::npos) << l.err;
  EXPECT_EQ(other.gantry({"images"}).out.find("out "), std::string::npos);
  auto b = other.gantry({"build", "-q", "--network=none", testdata("busybox-app").string()});
  EXPECT_EQ(b.exit_code, 0) << b.err;
}

}  // namespace gantry::e2e

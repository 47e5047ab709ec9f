// Exports checked by real tools (skopeo, umoci, podman through oci-validate.sh) and read back by
// load_archive; rootfs outputs and import checked against the layers they came from.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#include <cstdlib>
#include <filesystem>

#include "base/error.h"
#include "base/file_util.h"
#include "cache/store.h"
#include "exporter/archive.h"
#include "exporter/image.h"
#include "exporter/import.h"
#include "exporter/layer.h"
#include "exporter/load.h"
#include "exporter/media_types.h"
#include "exporter/rootfs.h"
#include "tests/exporter/tree_fixture.h"

namespace gantry::exporter {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kValidator = "/work/shared/tools/oci-validate.sh";

class ArchiveTest : public ::testing::Test {
 protected:
  ArchiveTest() : tmp_(fs::temp_directory_path(), "gantry-archive-test-"), store_(tmp_.path() / "store") {}

  // A one-layer busybox image: the host's static busybox and a few applet links.
  ImageRecord busybox_image(bool oci_media_types = true) {
    const fs::path rootfs = tmp_.path() / "busybox-rootfs";
    if (!fs::exists(rootfs)) {
      fs::create_directories(rootfs / "bin");
      fs::copy_file("/bin/busybox", rootfs / "bin/busybox");
      for (const char* applet : {"sh", "echo", "ls", "cat"}) testing::make_symlink(rootfs / "bin" / applet, "busybox");
      testing::make_dir(rootfs / "tmp", 01777);
    }
    const LayerBlob layer = pack_layer(rootfs, store_, {.clamp_mtime = 1'700'000'000, .oci_media_types = oci_media_types});
    json config = {{"config", {{"Cmd", {"/bin/sh"}}}}, {"history", {{{"created_by", "busybox rootfs"}}}}};
    return write_image(store_, config, {layer}, 1'700'000'000, oci_media_types);
  }

  // Runs oci-validate.sh with a smoke command; its scratch dir is ours, not the shared default.
  void expect_valid(const fs::path& export_path, const std::string& extra_flags = "") {
    const fs::path scratch = tmp_.path() / "validate";
    const std::string command = "GANTRY_VALIDATE_DIR=" + scratch.string() + " " + kValidator.string() +
                                " -q --run 'echo ok' --expect ok " + extra_flags + " " + export_path.string() + " 2>&1";
    std::string output;
    FILE* pipe = ::popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    char buffer[4096];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
    const int status = ::pclose(pipe);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << output;
    EXPECT_NE(output.find("PASS"), std::string::npos) << output;
    EXPECT_EQ(output.find("FAIL"), std::string::npos) << output;
  }

  TempDir tmp_;
  cache::ContentStore store_;
};

TEST_F(ArchiveTest, OciArchivePassesRealTools) {
  if (!fs::exists(kValidator)) GTEST_SKIP() << kValidator << " is absent";
  const ImageRecord image = busybox_image();
  const fs::path tar = tmp_.path() / "busybox-oci.tar";
  write_oci_archive(store_, {{"gantry-test/busybox:latest", image.manifest}}, tar);
  expect_valid(tar);
}

TEST_F(ArchiveTest, DockerArchivePassesRealTools) {
  if (!fs::exists(kValidator)) GTEST_SKIP() << kValidator << " is absent";
  const ImageRecord image = busybox_image(false);
  const fs::path tar = tmp_.path() / "busybox-docker.tar";
  write_docker_archive(store_, {{"gantry-test/busybox:latest", image.manifest}}, tar, tmp_.path());
  expect_valid(tar);
}

TEST_F(ArchiveTest, OciLayoutPassesRealTools) {
  if (!fs::exists(kValidator)) GTEST_SKIP() << kValidator << " is absent";
  const ImageRecord image = busybox_image();
  const fs::path layout = tmp_.path() / "layout";
  fs::create_directory(layout);
  write_oci_layout(store_, {{"gantry-test/busybox:1.0", image.manifest}}, layout);
  const json index = json::parse(read_file(layout / "index.json"));
  EXPECT_EQ(index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"], "1.0");
  EXPECT_EQ(index["manifests"][0]["annotations"]["io.containerd.image.name"], "docker.io/gantry-test/busybox:1.0");
  // podman load takes archives only; skopeo and umoci read the directory.
  expect_valid(layout, "--no-podman");
}

TEST_F(ArchiveTest, DescriptorAnnotationsGoOnEveryIndexEntryAndTheNamesWin) {
  const ImageRecord image = busybox_image();
  const fs::path layout = tmp_.path() / "annotated";
  fs::create_directory(layout);
  write_oci_layout(store_, {{"busybox:1", image.manifest}, {"busybox:2", image.manifest}}, layout,
                   {{"org.example.k", "v"}, {"org.opencontainers.image.ref.name", "overridden"}});
  const json index = json::parse(read_file(layout / "index.json"));
  ASSERT_EQ(index["manifests"].size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(index["manifests"][i]["annotations"]["org.example.k"], "v");
    EXPECT_EQ(index["manifests"][i]["annotations"]["org.opencontainers.image.ref.name"], std::to_string(i + 1));
  }
  const fs::path unnamed = tmp_.path() / "unnamed.tar";
  write_oci_archive(store_, {{"", image.manifest}}, unnamed, {{"org.example.k", "v"}});
  ASSERT_TRUE(fs::exists(unnamed));
}

TEST_F(ArchiveTest, ArchivesAreByteForByteReproducible) {
  const ImageRecord image = busybox_image();
  write_oci_archive(store_, {{"busybox", image.manifest}}, tmp_.path() / "a.tar");
  write_oci_archive(store_, {{"busybox", image.manifest}}, tmp_.path() / "b.tar");
  EXPECT_EQ(sha256_of_file(tmp_.path() / "a.tar"), sha256_of_file(tmp_.path() / "b.tar"));
  write_docker_archive(store_, {{"busybox", image.manifest}}, tmp_.path() / "c.tar", tmp_.path());
  write_docker_archive(store_, {{"busybox", image.manifest}}, tmp_.path() / "d.tar", tmp_.path());
  EXPECT_EQ(sha256_of_file(tmp_.path() / "c.tar"), sha256_of_file(tmp_.path() / "d.tar"));
  // Only the archives remain: no temp files beside them.
  for (const auto& entry : fs::directory_iterator(tmp_.path()))
    EXPECT_FALSE(entry.path().filename().string().starts_with(".")) << entry.path();
}

// A layer kept as a directory only (hashed, not stored), as the local store keeps the layers
// gantry built, is packed straight into the archive.
TEST_F(ArchiveTest, ArchivesPackALayerKeptAsADirectoryToTheBytesOfItsStoredBlob) {
  busybox_image();  // makes the rootfs
  const fs::path layer_dir = tmp_.path() / "busybox-rootfs";
  const json config = {{"config", {{"Cmd", {"/bin/sh"}}}}};
  for (const bool oci : {true, false}) {
    SCOPED_TRACE(oci);
    const PackOptions plain{.compression = Compression::Uncompressed, .oci_media_types = oci};
    const LayerBlob hashed = hash_layer(layer_dir, plain);
    const ImageRecord image = write_image(store_, config, {hashed}, 1'700'000'000, oci);
    ASSERT_FALSE(store_.has(hashed.digest));
    const fs::path from_dir = tmp_.path() / "from-dir.tar";
    const fs::path from_blob = tmp_.path() / "from-blob.tar";
    const LayerDirs dirs{{hashed.digest, layer_dir}};
    if (oci) write_oci_archive(store_, {{"busybox:1", image.manifest}}, from_dir, {}, dirs);
    else write_docker_archive(store_, {{"busybox:1", image.manifest}}, from_dir, tmp_.path(), dirs);
    EXPECT_FALSE(store_.has(hashed.digest)) << "the layer was stored on its way into the archive";

    ASSERT_EQ(pack_layer(layer_dir, store_, plain).digest, hashed.digest);
    if (oci) write_oci_archive(store_, {{"busybox:1", image.manifest}}, from_blob);
    else write_docker_archive(store_, {{"busybox:1", image.manifest}}, from_blob, tmp_.path());
    EXPECT_EQ(sha256_of_file(from_dir), sha256_of_file(from_blob));
    if (fs::exists(kValidator)) expect_valid(from_dir);
    store_.remove(hashed.digest);
  }
}

TEST_F(ArchiveTest, ALayerDirectoryChangedSinceItWasHashedLeavesNoArchive) {
  busybox_image();
  const fs::path layer_dir = tmp_.path() / "busybox-rootfs";
  write_file_atomic(layer_dir / "tmp/note", "abcd");
  const LayerBlob hashed = hash_layer(layer_dir, {.compression = Compression::Uncompressed, .oci_media_types = false});
  const ImageRecord image = write_image(store_, {{"config", json::object()}}, {hashed}, 0, false);
  const LayerDirs dirs{{hashed.digest, layer_dir}};
  // Other bytes of the same size are caught by the digest, more bytes before they pass the size,
  // fewer at the end of the entry.
  const std::string entry = hashed.diff_id.hex() + ".tar";
  for (const auto& [changed, named] : {std::pair{std::string("wxyz"), layer_dir.string()},
                                       std::pair{std::string(5000, 'y'), entry}, std::pair{std::string(), entry}}) {
    SCOPED_TRACE(changed.size());
    if (changed.empty()) fs::remove(layer_dir / "tmp/note");
    else write_file_atomic(layer_dir / "tmp/note", changed);
    const fs::path tar = tmp_.path() / "changed.tar";
    try {
      write_docker_archive(store_, {{"busybox:1", image.manifest}}, tar, tmp_.path(), dirs);
      FAIL() << "archived a layer that no longer packs to its diff_id";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(named), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(tar));
  }
}

TEST_F(ArchiveTest, LoadReadsOciArchiveBack) {
  const ImageRecord image = busybox_image();
  const fs::path tar = tmp_.path() / "oci.tar";
  write_oci_archive(store_, {{"busybox:1", image.manifest}, {"other/name:latest", image.manifest}}, tar);
  cache::Store fresh_store(tmp_.path() / "fresh");
  const cache::ContentStore& fresh = fresh_store.content();
  const auto loaded = load_archive(tar, fresh, fresh_store.uncompressed_layers());
  ASSERT_EQ(loaded.size(), 2u);
  EXPECT_EQ(loaded[0], std::make_pair(std::string("busybox:1"), image.manifest));
  EXPECT_EQ(loaded[1], std::make_pair(std::string("other/name:latest"), image.manifest));
  const ImageView view = read_image(fresh, image.manifest);
  EXPECT_EQ(view.config, image.config);
  for (const json& layer : view.manifest_json["layers"]) EXPECT_TRUE(fresh.has(Digest::parse(layer["digest"].get<std::string>())));
}

TEST_F(ArchiveTest, LoadReadsDockerArchiveBackWithTheSameImageId) {
  const ImageRecord image = busybox_image();
  const fs::path tar = tmp_.path() / "docker.tar";
  write_docker_archive(store_, {{"busybox:1", image.manifest}}, tar, tmp_.path());
  cache::Store fresh_store(tmp_.path() / "fresh");
  const cache::ContentStore& fresh = fresh_store.content();
  const auto loaded = load_archive(tar, fresh, fresh_store.uncompressed_layers());
  ASSERT_EQ(loaded.size(), 1u);
  EXPECT_EQ(loaded[0].first, "busybox:1");
  const ImageView view = read_image(fresh, loaded[0].second);
  EXPECT_EQ(view.config, image.config);  // the docker image id survives
  const Digest diff_id = Digest::parse(view.config_json["rootfs"]["diff_ids"][0].get<std::string>());
  EXPECT_EQ(view.manifest_json["layers"][0]["digest"], diff_id.str());
  EXPECT_EQ(view.manifest_json["layers"][0]["mediaType"], media_types::kDockerLayer);
  EXPECT_EQ(sha256_of_file(fresh.path(diff_id)), diff_id);
}

TEST_F(ArchiveTest, LoadRejectsATamperedBlobAndTagsNothing) {
  const ImageRecord image = busybox_image();
  const fs::path layout = tmp_.path() / "layout";
  fs::create_directory(layout);
  write_oci_layout(store_, {{"busybox", image.manifest}}, layout);
  // Swap the config blob's bytes for others: its name no longer matches its content.
  const fs::path config = layout / "blobs/sha256" / image.config.hex();
  fs::remove(config);
  write_file_atomic(config, R"({"tampered":true})");
  const fs::path tar = tmp_.path() / "tampered.tar";
  ASSERT_EQ(std::system(("tar -C " + layout.string() + " -cf " + tar.string() + " oci-layout index.json blobs").c_str()), 0);
  cache::Store fresh_store(tmp_.path() / "fresh");
  const cache::ContentStore& fresh = fresh_store.content();
  try {
    load_archive(tar, fresh, fresh_store.uncompressed_layers());
    FAIL() << "loaded a tampered archive";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(image.config.hex()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(tar.string()), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fresh.has(image.config));
}

TEST_F(ArchiveTest, RootfsFlattensWhiteoutsAndOpaqueDirs) {
  const fs::path lower = tmp_.path() / "lower", upper = tmp_.path() / "upper";
  testing::make_file(lower / "a/deleted", "old");
  testing::make_file(lower / "a/kept", "kept");
  testing::make_file(lower / "b/hidden", "hidden");
  testing::make_file(lower / "replaced", "lower");
  testing::make_whiteout(upper / "a/deleted");
  testing::make_file(upper / "b/new", "new");
  testing::make_opaque(upper / "b");
  testing::make_file(upper / "replaced", "upper", 0600);
  testing::make_dir(upper / "a");

  const fs::path dir = tmp_.path() / "rootfs";
  fs::create_directories(dir);
  fill_rootfs_dir({upper, lower}, dir);
  EXPECT_FALSE(fs::exists(dir / "a/deleted"));
  EXPECT_EQ(read_file(dir / "a/kept"), "kept");
  EXPECT_FALSE(fs::exists(dir / "b/hidden"));
  EXPECT_EQ(read_file(dir / "b/new"), "new");
  EXPECT_EQ(read_file(dir / "replaced"), "upper");
  EXPECT_EQ(fs::status(dir / "replaced").permissions(), fs::perms(0600));

  // The tar form holds the same tree.
  const fs::path tar = tmp_.path() / "rootfs.tar";
  write_rootfs_tar({upper, lower}, tar);
  const fs::path from_tar = tmp_.path() / "from-tar";
  fs::create_directories(from_tar);
  unpack_layer(tar, sha256_of_file(tar), from_tar);
  EXPECT_EQ(testing::describe_tree(from_tar), testing::describe_tree(dir));
}

TEST_F(ArchiveTest, ImportMakesTheSameImageFromTheSameTarball) {
  const fs::path rootfs = tmp_.path() / "rootfs";
  testing::make_rich_layer(rootfs);
  // A rootfs has no whiteouts and no overlay xattrs.
  fs::remove(rootfs / "etc/removed.conf");
  testing::set_mtime(rootfs / "etc", 1'600'000'000);
  ASSERT_EQ(::lremovexattr((rootfs / "var/cache").c_str(), "trusted.overlay.opaque"), 0);
  const fs::path tar = tmp_.path() / "rootfs.tar";
  write_rootfs_tar({rootfs}, tar);
  fs::create_directories(tmp_.path() / "first");
  fs::create_directories(tmp_.path() / "again");
  const auto import = [&](const char* unpack_dir) {
    return import_rootfs(tar, tmp_.path() / unpack_dir, store_, 1'650'000'000, json::object(), kImportComment,
                         std::nullopt);
  };
  const ImageRecord first = import("first");
  EXPECT_EQ(import("again").manifest, first.manifest);

  const ImageView view = read_image(store_, first.manifest);
  ASSERT_EQ(view.manifest_json["layers"].size(), 1u);
  const fs::path unpacked = tmp_.path() / "unpacked";
  fs::create_directories(unpacked);
  unpack_layer(store_.path(Digest::parse(view.manifest_json["layers"][0]["digest"].get<std::string>())),
               Digest::parse(view.config_json["rootfs"]["diff_ids"][0].get<std::string>()), unpacked);
  // Same files; the one mtime after `created` is clamped to it.
  testing::set_mtime(rootfs / "home/user/notes.txt", 1'650'000'000);
  EXPECT_EQ(testing::describe_tree(unpacked), testing::describe_tree(rootfs));
}

}  // namespace
}  // namespace gantry::exporter

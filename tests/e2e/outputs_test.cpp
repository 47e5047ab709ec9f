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

// Standard output and annotations: what `-o -`, dest=-, tar=false and --annotation make.
class OutputStreamsTest : public OutputsTest {
 protected:
  // gantry build with its standard output sent to `file` (run_command's pipe would hold it too,
  // but a file is what validate() reads).
  Outcome build_to_file(const std::vector<std::string>& flags, const fs::path& file) {
    std::string command = "exec " + gantry_binary() + " build --network=none -t out:1";
    for (const auto& f : flags) command += " '" + f + "'";
    command += " '" + testdata("busybox-app").string() + "' > '" + file.string() + "'";
    return run_command({"sh", "-c", command}, {{"GANTRY_ROOT", env_.root().string()}});
  }
  json index_of_layout(const fs::path& dir) { return json::parse(read_file(dir / "index.json")); }
  json manifest_of_layout(const fs::path& dir) {
    const std::string digest = index_of_layout(dir)["manifests"][0]["digest"];
    return json::parse(read_file(dir / "blobs" / "sha256" / digest.substr(7)));
  }
};

TEST_F(OutputStreamsTest, DashAndDestDashWriteTheArchiveToStandardOutput) {
  // -o - is type=tar,dest=- (the flattened file system), as buildx takes it.
  const fs::path rootfs = env_.scratch() / "rootfs.tar";
  auto b = build_to_file({"-o", "-"}, rootfs);
  ASSERT_EQ(b.exit_code, 0) << b.err;
  auto list = run_command({"tar", "-tf", rootfs.string()});
  EXPECT_NE(list.out.find("app/greet.sh"), std::string::npos) << list.out << list.err;

  for (const std::string output : {"type=oci,dest=-", "type=oci", "type=docker,dest=-"}) {
    const fs::path archive = env_.scratch() / "stream.tar";
    // JSON progress, which goes to stdout otherwise, keeps off the archive's stream.
    b = build_to_file({"--progress=json", "-o", output}, archive);
    ASSERT_EQ(b.exit_code, 0) << output << b.err;
    EXPECT_NE(b.err.find("\"type\""), std::string::npos) << output << b.err;
    auto v = validate({"--no-podman"}, archive);
    EXPECT_EQ(v.exit_code, 0) << output << v.out;
    EXPECT_NE(v.out.find("PASS skopeo-inspect"), std::string::npos) << output << v.out;
  }
}

TEST_F(OutputStreamsTest, StandardOutputIsRefusedWhenATerminalAndSharedByNothing) {
  // script(1) gives gantry a terminal as standard output.
  auto tty = run_command({"script", "-qec", gantry_binary() + " build -o type=oci " + testdata("busybox-app").string(),
                          "/dev/null"},
                         {{"GANTRY_ROOT", env_.root().string()}});
  EXPECT_EQ(tty.exit_code, 125) << tty.out;
  EXPECT_NE(tty.out.find("gantry: build --output: cowardly refusing to write an archive to a terminal; give "
                         "dest=FILE or redirect"),
            std::string::npos)
      << tty.out;
  const fs::path sink = env_.scratch() / "sink";
  auto two = build_to_file({"-o", "-", "-o", "type=oci,dest=-"}, sink);
  EXPECT_EQ(two.exit_code, 125);
  EXPECT_NE(two.err.find("--output type=oci,dest=-: type=tar writes to standard output already; only one output can"),
            std::string::npos)
      << two.err;
  auto quiet = build_to_file({"-q", "-o", "-"}, sink);
  EXPECT_EQ(quiet.exit_code, 125);
  EXPECT_NE(quiet.err.find("-q prints the image ID on standard output"), std::string::npos) << quiet.err;
}

TEST_F(OutputStreamsTest, TarFalseWritesAnOciLayoutDirectory) {
  const fs::path layout = env_.scratch() / "layout";
  auto b = build("type=oci,tar=false,dest=" + layout.string());
  ASSERT_EQ(b.exit_code, 0) << b.err;
  for (const char* file : {"oci-layout", "index.json", "blobs/sha256"}) EXPECT_TRUE(fs::exists(layout / file)) << file;
  // podman load names a layout directory by its path, which a test's temp dir makes upper case.
  auto v = validate({"--no-podman"}, layout);
  EXPECT_EQ(v.exit_code, 0) << v.out;
  EXPECT_NE(v.out.find("PASS umoci-unpack"), std::string::npos) << v.out;
  auto inspect = run_command({"skopeo", "inspect", "oci:" + layout.string() + ":1"});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  EXPECT_EQ(json::parse(inspect.out)["Architecture"], "amd64");

  // type=docker too, as buildx writes it: docker media types, which only the structure check reads.
  const fs::path docker = env_.scratch() / "docker-layout";
  b = build("type=docker,tar=false,dest=" + docker.string());
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(manifest_of_layout(docker)["mediaType"], "application/vnd.docker.distribution.manifest.v2+json");
  EXPECT_NE(validate({"--no-podman"}, docker).out.find("PASS structure"), std::string::npos);

  // A directory that holds something is not overwritten.
  auto again = build("type=oci,tar=false,dest=" + layout.string());
  EXPECT_EQ(again.exit_code, 125);
  EXPECT_NE(again.err.find("it exists and is not an empty directory"), std::string::npos) << again.err;
}

TEST_F(OutputStreamsTest, UnknownAndUnimplementedKeysAreUsageErrorsNamingThem) {
  auto bogus = build("type=oci,dest=x.tar,bogus=1");
  EXPECT_EQ(bogus.exit_code, 125);
  EXPECT_NE(bogus.err.find("type=oci takes no `bogus`"), std::string::npos) << bogus.err;
  auto unimplemented = build("type=oci,dest=x.tar,rewrite-timestamp=true");
  EXPECT_EQ(unimplemented.exit_code, 125);
  EXPECT_NE(unimplemented.err.find("gantry does not implement buildx's `rewrite-timestamp` for type=oci"),
            std::string::npos)
      << unimplemented.err;
  EXPECT_FALSE(fs::exists("x.tar"));
}

TEST_F(OutputStreamsTest, AnnotationsGoOnTheManifestAndItsDescriptor) {
  const fs::path archive = env_.scratch() / "annotated.tar";
  auto b = env_.gantry({"build", "--network=none", "-t", "out:1", "--annotation", "org.opencontainers.image.title=app",
                        "--annotation", "manifest:from-flag=1", "--annotation", "manifest-descriptor:on-descriptor=2",
                        "-o", "type=oci,dest=" + archive.string() + ",annotation.org.example.k=v,annotation-manifest-descriptor.d=3",
                        testdata("busybox-app").string()});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(manifest_of(archive)["annotations"],
            (json{{"org.opencontainers.image.title", "app"}, {"from-flag", "1"}, {"org.example.k", "v"}}));
  const json index = json::parse(run_command({"tar", "-xOf", archive.string(), "index.json"}).out);
  const json& descriptor = index["manifests"][0]["annotations"];
  EXPECT_EQ(descriptor["on-descriptor"], "2");
  EXPECT_EQ(descriptor["d"], "3");
  EXPECT_EQ(descriptor["org.opencontainers.image.ref.name"], "1");
  EXPECT_EQ(validate({"--no-podman"}, archive).exit_code, 0);

  const fs::path layout = env_.scratch() / "annotated";
  b = build("type=oci,tar=false,dest=" + layout.string() + ",annotation-manifest.k=layout");
  ASSERT_EQ(b.exit_code, 0) << b.err;
  auto raw = run_command({"skopeo", "inspect", "--raw", "oci:" + layout.string() + ":1"});
  ASSERT_EQ(raw.exit_code, 0) << raw.err;
  EXPECT_EQ(json::parse(raw.out)["annotations"]["k"], "layout") << raw.out;

  // Without an --output, the local store's image has them.
  b = env_.gantry({"build", "-q", "--network=none", "-t", "stored:1", "--annotation", "k=stored",
                   testdata("busybox-app").string()});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(env_.image_manifest("stored:1")["annotations"]["k"], "stored");
}

TEST_F(OutputStreamsTest, AnAnnotationLevelAnOutputLacksIsAnErrorNamingIt) {
  for (const auto& [flags, message] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"--annotation", "index:k=v", "-o", "type=oci,dest=x.tar"},
            "annotation `annotation-index.k`: --output type=oci writes a single-platform image, which has no image "
            "index to annotate"},
           {{"-o", "type=oci,dest=x.tar,annotation-index-descriptor.k=v"}, "annotation `annotation-index-descriptor.k`"},
           {{"--annotation", "k=v", "-o", "type=docker,dest=x.tar"},
            "--output type=docker writes docker's archive format, which has no manifest to annotate"},
           {{"--annotation", "manifest-descriptor:k=v"},
            "annotation `annotation-manifest-descriptor.k`: --output type=image keeps a manifest that no descriptor "
            "names"},
           {{"--annotation", "k=v", "-o", "type=local,dest=dir"},
            "--annotation: --output type=local writes a root file system, not an image to annotate"},
           {{"--annotation", "config:k=v"}, "invalid --annotation `config:k=v`: unknown annotation type `config`"}}) {
    std::vector<std::string> args{"build", "--network=none"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.push_back(testdata("busybox-app").string());
    auto o = env_.gantry(args);
    EXPECT_EQ(o.exit_code, 125) << testing::PrintToString(flags);
    EXPECT_NE(o.err.find(message), std::string::npos) << o.err;
  }
}

TEST_F(OutputStreamsTest, TypeImageNamesTheLocalImage) {
  auto b = env_.gantry({"build", "-q", "--network=none", "-o", R"(type=image,"name=first:1,second:2")", "-o",
                        "type=docker,name=loaded:3", testdata("busybox-app").string()});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  const std::string id = b.out.substr(0, b.out.find('\n'));
  // type=docker without dest= is buildx's load into docker: the local store, named as it says.
  for (const char* name : {"first:1", "second:2", "loaded:3"}) {
    auto inspect = env_.gantry({"inspect", "--format", "{{.Id}}", name});
    EXPECT_EQ(inspect.out, id + "\n") << name << inspect.err;
  }
}

}  // namespace gantry::e2e

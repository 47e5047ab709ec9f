// Hostile inputs to the command line and from a registry: each fails with one line naming the
// thing at fault, docker's exit code, before any step runs, and leaves nothing half-written.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "base/file_util.h"
#include "base/unique_fd.h"
#include "tests/e2e/fake_registry_server.h"
#include "tests/e2e/gantry_runner.h"

namespace gantry::e2e {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

class HostileErrorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_.import_busybox();
    fs::create_directories(context());
    write_file_atomic(context() / "Dockerfile", "FROM busybox\nRUN echo step-ran > /x\n");
  }
  fs::path context() const { return env_.scratch() / "ctx"; }

  // A build with `flags` that must fail as a usage error (125) before it runs any step, with a
  // last line "gantry: ..." that holds every one of `needles`.
  void expect_refused(std::vector<std::string> flags, const std::vector<std::string>& needles,
                      std::map<std::string, std::string> environment = {}) {
    flags.insert(flags.begin(), {"build", "--progress=plain", "--network=none"});
    flags.push_back(context().string());
    const Outcome o = env_.gantry(flags, environment);
    EXPECT_EQ(o.exit_code, 125) << o.err;
    EXPECT_EQ(o.err.find("step-ran"), std::string::npos) << "the build ran: " << o.err;
    const auto pos = o.err.rfind("gantry: ");
    ASSERT_NE(pos, std::string::npos) << o.err;
    const std::string line = o.err.substr(pos);
    EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line: " << line;
    for (const auto& n : needles) EXPECT_NE(line.find(n), std::string::npos) << n << " in " << line;
  }

  GantryEnv env_;
};

// Answers /v2/ and then, to anything else, a manifest of a million bytes of which it sends one
// every 200 ms, forever: fast enough never to count as a stalled transfer.
class DrippingRegistry {
 public:
  std::string host() const { return server_.host(); }

 private:
  bool answer(const UniqueFd& connection, const std::string& path) {
    if (path == "/v2/") return FakeRegistryServer::send_text(connection, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    FakeRegistryServer::send_text(connection,
                                  "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.oci.image.manifest.v1+json\r\n"
                                  "Content-Length: 1000000\r\n\r\n");
    while (!server_.stopping() && FakeRegistryServer::send_text(connection, " ")) std::this_thread::sleep_for(200ms);
    return false;
  }

  FakeRegistryServer server_{"dripping registry", [this](const UniqueFd& c, const std::string& p) { return answer(c, p); }};
};

}  // namespace

TEST_F(HostileErrorsTest, SourceDateEpochThatIsNotANumber) {
  const Outcome o = env_.gantry({"import", busybox_rootfs_tar().string(), "bad:1"},
                                {{"SOURCE_DATE_EPOCH", "abc"}});
  EXPECT_EQ(o.exit_code, 125) << o.err;
  EXPECT_EQ(o.err,
            "gantry: invalid SOURCE_DATE_EPOCH `abc`: not a whole number of seconds since 1970\n");
  EXPECT_EQ(env_.gantry({"images"}).out.find("bad "), std::string::npos);
  expect_refused({}, {"SOURCE_DATE_EPOCH", "12abc"}, {{"SOURCE_DATE_EPOCH", "12abc"}});
  expect_refused({"--build-arg", "SOURCE_DATE_EPOCH=-5"}, {"SOURCE_DATE_EPOCH", "-5"});
}

TEST_F(HostileErrorsTest, BadOutputValuesAreRefusedBeforeTheBuild) {
  const std::string dest = (env_.scratch() / "out.tar").string();
  expect_refused({"-o", "type=oci,dest=" + dest + ",compression=lz4"}, {"compression", "lz4"});
  expect_refused({"-o", "type=oci,dest=" + dest + ",compression-level=high"},
                 {"compression-level", "high"});
  expect_refused({"-o", "type=oci,dest=" + dest + ",compression=gzip,compression-level=12"},
                 {"compression-level", "12"});
  expect_refused({"-o", "type=oci,dest=" + dest + ",oci-mediatypes=maybe"},
                 {"oci-mediatypes", "maybe"});
  expect_refused({"-o", "type=oci,dest=" + dest + ",force-compression=yes"},
                 {"force-compression", "yes"});
  // Keys a type does not take are refused by name, never accepted and ignored.
  expect_refused({"-o", "type=oci,dest=" + dest + ",bogus=1"}, {"type=oci", "`bogus`"});
  expect_refused({"-o", "type=docker,dest=" + dest + ",compression=zstd"},
                 {"type=docker", "`compression`"});
  expect_refused({"-o", "type=local,dest=" + dest + ",name=x"}, {"type=local", "`name`"});
  expect_refused({"-o", "type=image,dest=" + dest}, {"type=image", "`dest`"});
  EXPECT_FALSE(fs::exists(dest));
}

TEST_F(HostileErrorsTest, UnwritableDestinationsAreRefusedBeforeTheBuild) {
  const fs::path missing = env_.scratch() / "no-such-dir";
  const fs::path full_dir = env_.scratch() / "full";
  fs::create_directories(full_dir);
  write_file_atomic(full_dir / "keep", "x");
  expect_refused({"-o", "type=oci,dest=" + (missing / "out.tar").string()},
                 {(missing / "out.tar").string()});
  expect_refused({"-o", "type=docker,dest=" + full_dir.string()},
                 {full_dir.string(), "is a directory"});
  expect_refused({"-o", "type=tar,dest=" + (missing / "fs.tar").string()}, {"fs.tar"});
  expect_refused({"-o", "type=local,dest=" + (missing / "fs").string()},
                 {(missing / "fs").string()});
  expect_refused({"-o", "type=local,dest=" + full_dir.string()},
                 {full_dir.string(), "not an empty directory"});
  expect_refused({"--iidfile", (missing / "iid").string()},
                 {"--iidfile", (missing / "iid").string()});
  expect_refused({"--iidfile", full_dir.string()}, {"--iidfile", "is a directory"});
  expect_refused({"--metadata-file", (missing / "meta.json").string()}, {"--metadata-file"});
  EXPECT_FALSE(fs::exists(missing));
  EXPECT_EQ(std::distance(fs::directory_iterator(full_dir), fs::directory_iterator()), 1);
}

TEST_F(HostileErrorsTest, ASecretFromADirectoryIsRefused) {
  write_file_atomic(
      context() / "Dockerfile",
      "FROM busybox\nRUN --mount=type=secret,id=tok cat /run/secrets/tok && echo step-ran\n");
  const fs::path dir = env_.scratch() / "secrets";
  fs::create_directories(dir);
  expect_refused({"--secret", "id=tok,src=" + dir.string()},
                 {"--secret", dir.string(), "is a directory"});
  expect_refused({"--secret", "id=tok,src=" + (dir / "none").string()},
                 {"--secret", "no such file"});
}

TEST_F(HostileErrorsTest, ARegistryDrippingBytesForeverTimesOut) {
  DrippingRegistry registry;
  // 3 s for every registry timeout; the drip is never slow enough to be a stalled transfer.
  const Outcome o = run_command(
      {"timeout", "-s", "KILL", "60", gantry_binary(), "pull", registry.host() + "/drip/app:1"},
      {{"GANTRY_ROOT", env_.root().string()}, {"GANTRY_REGISTRY_TIMEOUT", "3"}});
  EXPECT_NE(o.exit_code, 128 + SIGKILL) << "still waiting after 60 s: " << o.err;
  EXPECT_EQ(o.exit_code, 1) << o.err;
  const auto pos = o.err.rfind("gantry: ");
  ASSERT_NE(pos, std::string::npos) << o.err;
  const std::string line = o.err.substr(pos);
  EXPECT_NE(line.find(registry.host()), std::string::npos) << line;
  EXPECT_NE(line.find("timed out"), std::string::npos) << line;
  EXPECT_EQ(line.find('\n'), line.size() - 1) << line;
}

}  // namespace gantry::e2e

// ADD <url> against a real HTTP server on loopback: the file lands with mode 0600, the cache
// follows the served content (not the URL), and --checksum is enforced.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>


#include "base/file_util.h"
#include "base/scope_guard.h"
#include "tests/e2e/gantry_runner.h"
#include "tests/e2e/loopback_port.h"

namespace gantry::e2e {

namespace fs = std::filesystem;

namespace {

}  // namespace

TEST(AddUrl, DownloadsFollowsContentAndChecksChecksums) {
  GantryEnv env;
  env.import_busybox();
  fs::path www = env.scratch() / "www", ctx = env.scratch() / "ctx";
  fs::create_directories(www);
  fs::create_directories(ctx);
  write_file_atomic(www / "data.txt", "served v1\n");
  const int port = free_loopback_port();
  int server = spawn_command({"python3", "-m", "http.server", std::to_string(port), "--bind",
                              "127.0.0.1", "--directory", www.string()});
  ScopeGuard stop([server]() noexcept {
    ::kill(server, SIGTERM);
    wait_for(server);
  });
  ASSERT_TRUE(wait_for_loopback_port(port)) << "python3 -m http.server did not start";
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/data.txt";
  write_file_atomic(ctx / "Dockerfile", "FROM busybox:latest\nADD " + url +
                                            " /remote/\nRUN stat -c %a /remote/data.txt && cat /remote/data.txt\n");
  auto build = [&] {
    auto o = env.gantry({"build", "--progress=plain", "--network=none", ctx.string()});
    EXPECT_EQ(o.exit_code, 0) << o.err;
    return o.err;
  };
  auto first = build();
  EXPECT_NE(first.find(" 600\n"), std::string::npos) << first;
  EXPECT_NE(first.find(" served v1\n"), std::string::npos) << first;
  auto same = build();
  EXPECT_EQ(same.find(" served v1\n"), std::string::npos) << "unchanged content is cached: " << same;
  write_file_atomic(www / "data.txt", "served v2\n");
  EXPECT_NE(build().find(" served v2\n"), std::string::npos);

  write_file_atomic(ctx / "Dockerfile", "FROM busybox:latest\nADD --checksum=sha256:" +
                                            std::string(64, '0') + " " + url + " /r\n");
  auto bad = env.gantry({"build", ctx.string()});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("checksum mismatch"), std::string::npos) << bad.err;
  write_file_atomic(ctx / "Dockerfile", "FROM busybox:latest\nADD " + url + "-missing /r\n");
  auto missing = env.gantry({"build", ctx.string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("404"), std::string::npos) << missing.err;
}

}  // namespace gantry::e2e

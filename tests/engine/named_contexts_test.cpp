// --build-context values as the engine parses them, OCI layout references, and remote contexts
// fetched from a one-shot HTTP server on loopback.
#include "engine/named_contexts.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "base/error.h"
#include "base/file_util.h"
#include "base/unique_fd.h"
#include "engine/oci_layout_image.h"
#include "engine/remote_context.h"

namespace gantry::engine {
namespace {

namespace fs = std::filesystem;

std::string usage_error(const std::string& name, const std::string& value) {
  try {
    parse_build_context(name, value);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(ParseBuildContext, TellsTheKindsApartAndRefusesWhatItCannotTake) {
  TempDir dir(fs::temp_directory_path());
  EXPECT_EQ(parse_build_context("a", dir.path().string()).kind,
            BuildContextSource::Kind::Directory);
  const auto image = parse_build_context("a", "docker-image://busybox:1");
  EXPECT_EQ(image.kind, BuildContextSource::Kind::Image);
  EXPECT_EQ(image.location, "busybox:1");
  EXPECT_EQ(parse_build_context("a", "docker-image://scratch").location, "scratch");
  const auto url = parse_build_context("a", "https://example.com/ctx.tar.gz");
  EXPECT_EQ(url.kind, BuildContextSource::Kind::Url);
  const auto layout = parse_build_context("a", "oci-layout://" + dir.path().string() + ":v1");
  EXPECT_EQ(layout.kind, BuildContextSource::Kind::OciLayout);
  EXPECT_EQ(layout.layout.dir, dir.path());
  EXPECT_EQ(layout.layout.tag, "v1");

  EXPECT_EQ(usage_error("a", ""), "--build-context a=: no context given");
  const auto git = parse_build_context("a", "https://host/repo.git#v1:sub");
  EXPECT_EQ(git.kind, BuildContextSource::Kind::Git);
  EXPECT_EQ(git.git.remote, "https://host/repo.git");
  EXPECT_EQ(git.git.ref, "v1");
  EXPECT_EQ(git.git.subdir, "sub");
  EXPECT_EQ(parse_build_context("a", "git@host:team/repo.git").kind, BuildContextSource::Kind::Git);
  // An existing directory is a directory, whatever its name reads as.
  const fs::path dir_like_git = dir.path() / "repo.git";
  fs::create_directories(dir_like_git);
  EXPECT_EQ(parse_build_context("a", dir_like_git.string()).kind,
            BuildContextSource::Kind::Directory);
  EXPECT_EQ(usage_error("a", "s3://bucket/x"),
            "--build-context a=s3://bucket/x: unsupported context source `s3` (a directory, "
            "docker-image://, "
            "oci-layout:// or an http(s) URL)");
  EXPECT_EQ(usage_error("a", "/no/such/dir"),
            "--build-context a=/no/such/dir: `/no/such/dir` is not a directory");
  EXPECT_NE(
      usage_error("a", "docker-image://UPPER").find("--build-context a=docker-image://UPPER: "),
      std::string::npos);
  EXPECT_NE(usage_error("a", "oci-layout:///no/such/layout").find("is not a directory"),
            std::string::npos);
}

TEST(ParseOciLayoutRef, CutsAtTheFirstAtThenTheFirstColon) {
  const std::string digest = "sha256:" + std::string(64, 'e');
  auto ref = parse_oci_layout_ref("/x/layout");
  EXPECT_EQ(ref.dir, "/x/layout");
  EXPECT_EQ(ref.tag, "latest");
  EXPECT_FALSE(ref.digest);
  ref = parse_oci_layout_ref("rel/layout:v2@" + digest);
  EXPECT_EQ(ref.dir, "rel/layout");
  EXPECT_EQ(ref.tag, "v2");
  EXPECT_EQ(ref.digest->str(), digest);
  ref = parse_oci_layout_ref("layout@" + digest);
  EXPECT_EQ(ref.tag, "latest");
  EXPECT_THROW(parse_oci_layout_ref("layout@sha256:12"), UsageError);
  EXPECT_THROW(parse_oci_layout_ref(":tag"), UsageError);
  EXPECT_THROW(parse_oci_layout_ref("layout:"), UsageError);
}

TEST(RemoteUrls, HttpUrlsAreToldFromOtherUrls) {
  EXPECT_TRUE(is_http_url("http://h/x"));
  EXPECT_TRUE(is_http_url("https://h/x"));
  EXPECT_FALSE(is_http_url("ftp://h/x"));
}

// Answers one request on a loopback port with `status` and `body`, then closes.
class OneShotHttpServer {
 public:
  OneShotHttpServer(int status, std::string body) {
    listener_ = UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listener_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listener_.get(), 1) != 0)
      throw_errno("listen on loopback");
    socklen_t len = sizeof addr;
    ::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this, status, body = std::move(body)] {
      UniqueFd client(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (!client) return;
      char request[4096];
      (void)::read(client.get(), request, sizeof request);
      const std::string response = "HTTP/1.1 " + std::to_string(status) +
                                   " X\r\nContent-Length: " + std::to_string(body.size()) +
                                   "\r\nConnection: close\r\n\r\n" + body;
      for (std::size_t done = 0; done < response.size();) {
        const ssize_t n = ::write(client.get(), response.data() + done, response.size() - done);
        if (n <= 0) return;
        done += static_cast<std::size_t>(n);
      }
    });
  }
  ~OneShotHttpServer() {
    ::shutdown(listener_.get(), SHUT_RDWR);
    thread_.join();
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/" + path;
  }

 private:
  UniqueFd listener_;
  int port_ = 0;
  std::thread thread_;
};

std::string error_of(const std::string& url, std::int64_t max_bytes = kMaxRemoteContextBytes) {
  try {
    fetch_remote_context(url, fs::temp_directory_path(), max_bytes);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(FetchRemoteContext, KeepsABodyThatIsNoArchiveAsTheFileContext) {
  OneShotHttpServer server(200, "FROM scratch\n");
  RemoteContext remote = fetch_remote_context(server.url("Dockerfile"), fs::temp_directory_path());
  EXPECT_FALSE(remote.unpacked);
  EXPECT_EQ(read_file(remote.dir.path() / "context"), "FROM scratch\n");
}

TEST(FetchRemoteContext, UnpacksATarball) {
  TempDir tree(fs::temp_directory_path());
  write_file_atomic(tree.path() / "Dockerfile", "FROM scratch\n");
  const fs::path tarball = tree.path() / "ctx.tar.gz";
  ASSERT_EQ(
      std::system(
          ("tar -C " + tree.path().string() + " -czf " + tarball.string() + " Dockerfile").c_str()),
      0);
  OneShotHttpServer server(200, read_file(tarball));
  RemoteContext remote = fetch_remote_context(server.url("ctx.tar.gz"), fs::temp_directory_path());
  EXPECT_TRUE(remote.unpacked);
  EXPECT_EQ(read_file(remote.dir.path() / "Dockerfile"), "FROM scratch\n");
  EXPECT_FALSE(fs::exists(remote.dir.path() / "context"));
}

TEST(FetchRemoteContext, ErrorsNameTheUrlAndWhatWentWrong) {
  {
    OneShotHttpServer server(500, "broken");
    const std::string url = server.url("ctx.tar");
    EXPECT_EQ(error_of(url), "remote context `" + url + "`: the server answered HTTP 500");
  }
  {
    OneShotHttpServer server(200, std::string(4096, 'x'));
    const std::string url = server.url("big");
    EXPECT_EQ(error_of(url, 1000),
              "remote context `" + url + "`: larger than 1000 bytes, the most a context may be");
  }
  {
    OneShotHttpServer server(200, std::string(600, '\0').replace(257, 5, "ustar") + "garbage");
    const std::string url = server.url("bad.tar");
    const std::string error = error_of(url);
    EXPECT_NE(error.find("remote context `" + url + "`: "), std::string::npos) << error;
  }
  EXPECT_NE(error_of("http://127.0.0.1:1/x").find("remote context `http://127.0.0.1:1/x`: "),
            std::string::npos);
}

}  // namespace
}  // namespace gantry::engine

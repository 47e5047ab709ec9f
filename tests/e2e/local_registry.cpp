#include "tests/e2e/local_registry.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

#include "base/unique_fd.h"
#include "tests/e2e/gantry_runner.h"

namespace gantry::e2e {

namespace fs = std::filesystem;

namespace {

// Binding port 0 lets the kernel pick a free port; `port` 0 asks for one, else checks that one.
int bind_loopback(int port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (!fd || ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return 0;
  socklen_t len = sizeof addr;
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(addr.sin_port);
}

std::map<std::string, std::string> script_env(const fs::path& state, int port) {
  return {{"GANTRY_REGISTRY_DIR", state.string()}, {"GANTRY_REGISTRY_PORT", std::to_string(port)}};
}

}  // namespace

bool LocalRegistry::available() { return fs::exists("/usr/bin/docker-registry"); }

int unused_loopback_port() { return bind_loopback(0); }

LocalRegistry::LocalRegistry(Mode mode, fs::path state_dir) : state_(std::move(state_dir)), mode_(mode) {
  // The token server listens on PORT+1: find a port whose neighbour is free too.
  int port = 0;
  for (int attempt = 0; attempt < 20 && port == 0; ++attempt) {
    int candidate = bind_loopback(0);
    if (candidate > 0 && candidate < 65535 && bind_loopback(candidate + 1) == candidate + 1) port = candidate;
  }
  if (port == 0) throw std::runtime_error("no free loopback port pair for the registry");
  host_ = "127.0.0.1:" + std::to_string(port);
  std::vector<std::string> argv = {(shared_tools() / "registry.sh").string(), "start"};
  if (mode == Mode::Tls) argv.push_back("--tls");
  if (mode == Mode::Basic) argv.push_back("--auth");
  if (mode == Mode::Token) argv.push_back("--token");
  auto o = run_command(argv, script_env(state_, port));
  if (o.exit_code != 0) throw std::runtime_error("registry.sh start failed: " + o.err + o.out);
}

LocalRegistry::~LocalRegistry() {
  auto port = std::stoi(host_.substr(host_.find(':') + 1));
  run_command({(shared_tools() / "registry.sh").string(), "stop"}, script_env(state_, port));
}

fs::path LocalRegistry::blob_file(const Digest& digest) const {
  return state_ / "data/docker/registry/v2/blobs/sha256" / digest.hex().substr(0, 2) / digest.hex() / "data";
}

std::vector<std::string> LocalRegistry::skopeo_flags() const {
  std::vector<std::string> flags;
  if (mode_ == Mode::Tls) flags = {"--cert-dir", cert_dir().string()};
  else flags = {"--tls-verify=false"};
  if (mode_ == Mode::Basic || mode_ == Mode::Token) flags.push_back("--creds=" + user() + ":" + password());
  return flags;
}

}  // namespace gantry::e2e

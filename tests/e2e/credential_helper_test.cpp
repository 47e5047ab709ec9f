// Docker credential helpers end to end: with docker's config.json naming a helper (credsStore,
// credHelpers), gantry pushes to, pulls from and builds FROM registries with Basic and Bearer
// token auth on the credentials the helper serves; `gantry login` stores through the helper and
// `gantry logout` erases there; an identity token is exchanged at the token server as docker
// does; a helper that is missing or fails is one line naming it and the registry; and no output
// (nor the metadata file, nor config.json) ever shows the password.
//
// The helper is testdata/credential-helper/docker-credential-gantry-test, found in $PATH, which
// keeps what it holds in the JSON file $GANTRY_TEST_CREDENTIALS names.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "base/file_util.h"
#include "tests/e2e/gantry_runner.h"
#include "tests/e2e/local_registry.h"

namespace gantry::e2e {

namespace fs = std::filesystem;
using nlohmann::json;
using Mode = LocalRegistry::Mode;

namespace {

// The last "gantry: " line of stderr, what a user reads after a failure.
std::string error_line(const Outcome& o) {
  auto pos = o.err.rfind("gantry: ");
  return pos == std::string::npos ? o.err : o.err.substr(pos, o.err.find('\n', pos) - pos);
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class CredentialHelperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!LocalRegistry::available())
      GTEST_SKIP() << "docker-registry is not installed (apt-get install docker-registry)";
    fs::create_directories(docker_dir_);
  }

  void start(Mode mode) { registry_.emplace(mode, env_.root().parent_path() / "registry"); }
  std::string host() const { return registry_->host(); }

  // docker's config.json for every gantry this test runs.
  void docker_config(const json& config) {
    write_file_atomic(docker_dir_ / "config.json", config.dump());
  }
  std::string docker_config_text() const { return read_file(docker_dir_ / "config.json"); }
  // What the helper holds: {"<server>": {"Username": .., "Secret": ..}}.
  void hold(const json& credentials) { write_file_atomic(helper_file_, credentials.dump()); }
  json held() const { return json::parse(read_file(helper_file_)); }
  json held_for_registry() const {
    return {{host(), {{"Username", LocalRegistry::user()}, {"Secret", LocalRegistry::password()}}}};
  }

  // gantry with docker's config dir of this test and the helper in $PATH, and no
  // $GANTRY_CONFIG (an empty one is none). Every outcome is kept for expect_no_secret().
  Outcome gantry(const GantryEnv& env, std::vector<std::string> args) {
    const char* path = std::getenv("PATH");
    Outcome o = env.gantry(std::move(args), {{"GANTRY_CONFIG", ""},
                                             {"DOCKER_CONFIG", docker_dir_.string()},
                                             {"PATH", (testdata("credential-helper").string() +
                                                       ":" + extra_path_ + (path ? path : ""))},
                                             {"GANTRY_TEST_CREDENTIALS", helper_file_.string()}});
    outcomes_.push_back(o);
    return o;
  }

  // The password, and `secret`, are in no output of gantry so far, nor in `files`.
  void expect_no_secret(const std::string& secret, const std::vector<fs::path>& files = {}) {
    for (const std::string& s : {LocalRegistry::password(), secret}) {
      if (s.empty()) continue;
      for (const auto& o : outcomes_) {
        EXPECT_FALSE(contains(o.out, s)) << o.out;
        EXPECT_FALSE(contains(o.err, s)) << o.err;
      }
      for (const auto& f : files) EXPECT_FALSE(contains(read_file(f), s)) << f;
    }
  }

  // A context whose Dockerfile is `dockerfile`, under the scratch dir.
  fs::path context(const std::string& name, const std::string& dockerfile) {
    fs::path dir = env_.scratch() / name;
    fs::create_directories(dir);
    write_file_atomic(dir / "Dockerfile", dockerfile);
    return dir;
  }

  // Builds busybox + one RUN layer as `name` in env_'s store.
  void build_app(const std::string& name) {
    env_.import_busybox();
    auto ctx = context("app", "FROM busybox\nRUN echo built-for-the-registry > /built.txt\n");
    auto o = gantry(env_, {"build", "-q", "-t", name, ctx.string()});
    ASSERT_EQ(o.exit_code, 0) << o.err;
  }

  // Pushes `name`, pulls it into a fresh root and builds FROM it in another, with the
  // credentials the helper serves; checks that no output or metadata shows the password.
  void push_pull_and_build_from(const std::string& name) {
    build_app(name);
    auto pushed = gantry(env_, {"push", name});
    ASSERT_EQ(pushed.exit_code, 0) << pushed.err;
    GantryEnv fresh;
    auto pulled = gantry(fresh, {"pull", name});
    ASSERT_EQ(pulled.exit_code, 0) << pulled.err;
    EXPECT_EQ(pulled.out, pushed.out);  // the same name@digest

    GantryEnv other;
    auto ctx = context("child", "FROM " + name + "\nRUN cat /built.txt > /copied.txt\n");
    const fs::path metadata = env_.scratch() / "metadata.json";
    auto built = gantry(
        other, {"build", "--metadata-file", metadata.string(), "-t", "child:1", ctx.string()});
    ASSERT_EQ(built.exit_code, 0) << built.err;
    EXPECT_TRUE(contains(built.err, "pulled " + name)) << built.err;
    auto history = gantry(other, {"history", "child:1"});
    EXPECT_EQ(history.exit_code, 0) << history.err;
    auto inspect = gantry(other, {"inspect", "child:1"});
    EXPECT_EQ(inspect.exit_code, 0) << inspect.err;
    expect_no_secret("", {metadata});
  }

  GantryEnv env_;
  std::optional<LocalRegistry> registry_;  // declared after env_: stopped before its dir goes
  fs::path docker_dir_ = env_.scratch() / "docker";
  fs::path helper_file_ = env_.scratch() / "helper-credentials.json";
  std::string extra_path_;  // "DIR:" put before the helper's directory in $PATH
  std::vector<Outcome> outcomes_;
};

}  // namespace

TEST_F(CredentialHelperTest, CredsStoreServesABasicAuthRegistry) {
  start(Mode::Basic);
  docker_config({{"credsStore", "gantry-test"}});
  hold(json::object());
  // Holding nothing is no credentials: the registry's 401 asks for a login.
  build_app(host() + "/team/app:1");
  auto anonymous = gantry(env_, {"push", host() + "/team/app:1"});
  EXPECT_EQ(anonymous.exit_code, 1);
  EXPECT_TRUE(contains(error_line(anonymous), "gantry login " + host())) << anonymous.err;

  hold(held_for_registry());
  push_pull_and_build_from(host() + "/team/app:1");
}

TEST_F(CredentialHelperTest, CredHelpersServeATokenAuthRegistryBeforeCredsStore) {
  start(Mode::Token);
  // credsStore names a helper that is not there: the registry's own entry wins over it.
  docker_config({{"credsStore", "absent"}, {"credHelpers", {{host(), "gantry-test"}}}});
  hold(held_for_registry());
  push_pull_and_build_from(host() + "/team/app:token");
}

TEST_F(CredentialHelperTest, LoginStoresThroughTheHelperAndLogoutErasesThere) {
  start(Mode::Basic);
  docker_config({{"credsStore", "gantry-test"}, {"psFormat", "table"}});
  hold(json::object());
  auto both = gantry(env_, {"login", "-u", "u", "-p", "p", "--password-stdin", host()});
  EXPECT_EQ(both.exit_code, 125);
  EXPECT_TRUE(contains(error_line(both), "--password and --password-stdin exclude each other"))
      << both.err;
  auto login =
      gantry(env_, {"login", "-u", LocalRegistry::user(), "-p", LocalRegistry::password(), host()});
  ASSERT_EQ(login.exit_code, 0) << login.err;
  EXPECT_TRUE(contains(login.err, "docker-credential-gantry-test")) << login.err;
  EXPECT_EQ(held(), held_for_registry());
  // config.json keeps its keys and an empty entry for the registry, as docker leaves it.
  const json config = json::parse(docker_config_text());
  EXPECT_EQ(config["auths"], json({{host(), json::object()}})) << config;
  EXPECT_EQ(config["psFormat"], "table");
  EXPECT_FALSE(
      contains(docker_config_text(), "Z2FudHJ5OmdhbnRyeS1wYXNz"));  // base64 gantry:gantry-pass

  const std::string name = host() + "/team/app:login";
  build_app(name);
  auto pushed = gantry(env_, {"push", name});
  ASSERT_EQ(pushed.exit_code, 0) << pushed.err;

  // docker takes a server as a URL too, and keeps its host.
  auto logout = gantry(env_, {"logout", "https://" + host() + "/v1/"});
  ASSERT_EQ(logout.exit_code, 0) << logout.err;
  EXPECT_TRUE(contains(logout.err, "Removing login credentials for " + host())) << logout.err;
  EXPECT_EQ(held(), json::object());
  EXPECT_FALSE(json::parse(docker_config_text())["auths"].contains(host()));
  auto after = gantry(env_, {"push", name});
  EXPECT_EQ(after.exit_code, 1);
  EXPECT_TRUE(contains(error_line(after), "401")) << after.err;
  expect_no_secret("", {docker_dir_ / "config.json"});
}

TEST_F(CredentialHelperTest, AMissingOrFailingHelperIsOneLineNamingItAndTheRegistry) {
  start(Mode::Basic);
  const std::string name = host() + "/team/app:1";
  docker_config({{"credsStore", "absent"}});
  auto missing = gantry(env_, {"pull", name});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_TRUE(contains(error_line(missing), "credential helper `docker-credential-absent` for " +
                                                host() + ": not found in PATH"))
      << missing.err;

  const fs::path bin = env_.scratch() / "bin";
  fs::create_directories(bin);
  write_file_atomic(bin / "docker-credential-locked",
                    "#!/bin/sh\necho 'the keychain is locked'\nexit 2\n");
  fs::permissions(bin / "docker-credential-locked", fs::perms::owner_all);
  extra_path_ = bin.string() + ":";
  docker_config({{"credHelpers", {{host(), "locked"}}}});
  env_.import_busybox();
  auto ctx = context("from-locked", "FROM " + name + "\nRUN true\n");
  auto failing = gantry(env_, {"build", ctx.string()});
  EXPECT_EQ(failing.exit_code, 1);
  const std::string line = error_line(failing);
  EXPECT_TRUE(contains(line, "credential helper `docker-credential-locked` for " + host() +
                                 ": get failed (exit status 2): the keychain is locked"))
      << failing.err;
  EXPECT_TRUE(contains(line, name)) << failing.err;
}

// registry.sh's token server takes a password only; this test's own takes an identity token
// only, so a push and pull that pass prove the OAuth2 refresh-token exchange.
class IdentityTokenTest : public CredentialHelperTest {
 protected:
  void TearDown() override {
    if (token_server_ > 0) {
      ::kill(token_server_, SIGTERM);
      wait_for(token_server_);
    }
  }

  // Replaces the registry's token server (on its port + 1) by the identity-token one.
  void serve_identity_tokens(const std::string& refresh_token) {
    const fs::path state = env_.root().parent_path() / "registry";
    const int pid = std::stoi(read_file(state / "token-server.pid"));
    std::string cmdline = read_file("/proc/" + std::to_string(pid) + "/cmdline");
    ASSERT_TRUE(contains(cmdline, "token-server.py") && contains(cmdline, state.string()))
        << cmdline;
    ::kill(pid, SIGTERM);
    for (int i = 0; i < 500 && ::kill(pid, 0) == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const int port = std::stoi(host().substr(host().find(':') + 1)) + 1;
    token_server_ = spawn_command(
        {"/usr/bin/python3", testdata("token-server/refresh-token-server.py").string(), "--port",
         std::to_string(port), "--key", (state / "token/signer.key").string(), "--cert",
         (state / "token/signer.crt").string(), "--refresh-token", refresh_token, "--log",
         token_log_.string()});
    // Up when it answers (a GET, which it refuses and logs).
    for (int i = 0; i < 500; ++i) {
      if (run_command({"curl", "-s", "-o", "/dev/null",
                       "http://127.0.0.1:" + std::to_string(port) + "/token"})
              .exit_code == 0)
        return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    FAIL() << "the identity-token server did not start";
  }

  std::string token_log() const { return fs::exists(token_log_) ? read_file(token_log_) : ""; }

  int token_server_ = 0;
  fs::path token_log_ = env_.scratch() / "token-server.log";
};

TEST_F(IdentityTokenTest, AnIdentityTokenFromTheHelperIsExchangedAtTheTokenServer) {
  start(Mode::Token);
  const std::string refresh_token = "identity-refresh-token-7f3a";
  serve_identity_tokens(refresh_token);
  docker_config({{"credsStore", "gantry-test"}});
  const std::string name = host() + "/team/app:identity";

  // A token the server does not know is rejected, and said to be an identity token.
  hold({{host(), {{"Username", "<token>"}, {"Secret", "not-the-token"}}}});
  build_app(name);
  auto rejected = gantry(env_, {"push", name});
  EXPECT_EQ(rejected.exit_code, 1);
  EXPECT_TRUE(contains(error_line(rejected), "rejected the identity token")) << rejected.err;

  hold({{host(), {{"Username", "<token>"}, {"Secret", refresh_token}}}});
  push_pull_and_build_from(name);
  // Every exchange was docker's OAuth2 form; none was a GET with a password.
  const std::string log = token_log();
  EXPECT_TRUE(contains(log,
                       "POST grant_type=refresh_token client_id=gantry service=gantry-registry "
                       "scope=repository:team/app:pull,push -> 200"))
      << log;
  EXPECT_TRUE(contains(log, "scope=repository:team/app:pull -> 200")) << log;
  std::size_t gets = 0;
  for (auto at = log.find("GET "); at != std::string::npos; at = log.find("GET ", at + 1)) ++gets;
  EXPECT_EQ(gets, 1u) << log;  // the start-up probe's
  expect_no_secret(refresh_token);
}

}  // namespace gantry::e2e

#include "registry/credentials.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/file_util.h"
#include "registry/credential_helper.h"

namespace gantry::registry {

namespace fs = std::filesystem;

class CredentialStoreTest : public ::testing::Test {
 protected:
  TempDir dir_{fs::temp_directory_path(), "gantry-creds-"};
  fs::path gantry_ = dir_.path() / "gantry" / "config.json";
  fs::path docker_ = dir_.path() / "docker.json";
};

TEST_F(CredentialStoreTest, SaveFindEraseKeepsOtherKeys) {
  write_file_atomic(docker_, R"({"auths":{"https://127.0.0.1:5000/v1/":{"auth":"Z2FudHJ5OmdhbnRyeS1wYXNz"}}})");
  fs::create_directories(gantry_.parent_path());
  write_file_atomic(gantry_, R"({"psFormat":"table","auths":{}})");
  CredentialStore store({gantry_, docker_});

  // Found in docker's file, under a key with a scheme and path.
  auto found = store.find("127.0.0.1:5000");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->username, "gantry");
  EXPECT_EQ(found->password, "gantry-pass");
  EXPECT_FALSE(store.find("127.0.0.1:5001"));

  // gantry's own file wins, and saving keeps its other keys.
  store.save("127.0.0.1:5000", {"other", "secret:with:colons"});
  EXPECT_EQ(store.find("127.0.0.1:5000")->password, "secret:with:colons");
  auto config = nlohmann::json::parse(read_file(gantry_));
  EXPECT_EQ(config["psFormat"], "table");
  EXPECT_EQ(fs::status(gantry_).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);

  EXPECT_TRUE(store.erase("127.0.0.1:5000"));
  EXPECT_FALSE(store.erase("127.0.0.1:5000"));
  // Logging out of nothing writes nothing.
  EXPECT_FALSE(CredentialStore({dir_.path() / "absent.json"}).erase("127.0.0.1:5000"));
  EXPECT_FALSE(fs::exists(dir_.path() / "absent.json"));
  EXPECT_EQ(store.find("127.0.0.1:5000")->username, "gantry");  // docker's file is never written
}

TEST_F(CredentialStoreTest, DockerHubUsesDockersKey) {
  CredentialStore store({gantry_});
  store.save("docker.io", {"me", "pw"});
  EXPECT_TRUE(nlohmann::json::parse(read_file(gantry_))["auths"].contains("https://index.docker.io/v1/"));
  EXPECT_EQ(store.find("docker.io")->username, "me");
}

TEST_F(CredentialStoreTest, MalformedConfigNamesTheFileButQuotesNoneOfIt) {
  // Cut off inside the auth: the parser's own message would quote base64("gantry:gantry-pass").
  write_file_atomic(docker_, R"({"auths":{"h:1":{"auth":"Z2FudHJ5OmdhbnRyeS1wYXNz)");
  CredentialStore store({docker_});
  try {
    store.find("x");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(docker_.string()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("not valid JSON"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("Z2FudHJ5"), std::string::npos) << e.what();
  }
}

TEST_F(CredentialStoreTest, AuthsTakeUsernameAndPasswordFieldsAndIdentityTokens) {
  // base64("nul:padded\0\0"): some writers pad the password, docker drops the NULs.
  write_file_atomic(docker_, R"({"auths":{
    "fields.example:5000": {"username": "u", "password": "p"},
    "token.example": {"identitytoken": "refresh-me"},
    "padded.example": {"auth": "bnVsOnBhZGRlZAAA"},
    "empty.example": {}}})");
  CredentialStore store({docker_});
  auto fields = store.find("fields.example:5000");
  ASSERT_TRUE(fields);
  EXPECT_EQ(fields->username, "u");
  EXPECT_EQ(fields->password, "p");
  auto token = store.find("token.example");
  ASSERT_TRUE(token);
  EXPECT_EQ(token->identity_token, "refresh-me");
  EXPECT_EQ(store.find("padded.example")->password, "padded");
  EXPECT_FALSE(store.find("empty.example"));
}

TEST_F(CredentialStoreTest, AMalformedAuthNamesTheFileAndFieldButNotItsValue) {
  for (const std::string auth :
       {"c2VjcmV0LXdpdGhvdXQtY29sb24=", "not base64 at all", "OnNlY3JldA=="}) {
    write_file_atomic(docker_, R"({"auths":{"h:1":{"auth":")" + auth + R"("}}})");
    try {
      CredentialStore({docker_}).find("h:1");
      FAIL() << auth;
    } catch (const Error& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find(docker_.string()), std::string::npos) << message;
      EXPECT_NE(message.find("auths.h:1.auth"), std::string::npos) << message;
      EXPECT_EQ(message.find(auth), std::string::npos) << message;
      EXPECT_EQ(message.find("secret"), std::string::npos) << message;
    }
  }
}

// Credential helpers: the test's own programs in a directory of their own, found there as
// docker finds them in $PATH.
class CredentialHelperTest : public CredentialStoreTest {
 protected:
  void SetUp() override {
    fs::create_directories(bin_);
    fs::copy_file(
        fs::path(GANTRY_SOURCE_DIR) / "testdata/credential-helper/docker-credential-gantry-test",
        bin_ / "docker-credential-gantry-test");
    ::setenv("GANTRY_TEST_CREDENTIALS", helper_file_.c_str(), 1);
    ::setenv("GANTRY_TEST_CREDENTIALS_LOG", helper_log_.c_str(), 1);
  }
  void TearDown() override {
    ::unsetenv("GANTRY_TEST_CREDENTIALS");
    ::unsetenv("GANTRY_TEST_CREDENTIALS_LOG");
  }

  // A helper docker-credential-`name` that runs `script` (sh).
  void write_helper(const std::string& name, const std::string& script) {
    const fs::path program = bin_ / ("docker-credential-" + name);
    write_file_atomic(program, "#!/bin/sh\n" + script);
    fs::permissions(program, fs::perms::owner_all);
  }
  // What the test helper holds: {"<server>": {"Username": .., "Secret": ..}}
  nlohmann::json held() const {
    return fs::exists(helper_file_) ? nlohmann::json::parse(read_file(helper_file_))
                                    : nlohmann::json::object();
  }
  void hold(const nlohmann::json& credentials) const {
    write_file_atomic(helper_file_, credentials.dump());
  }
  CredentialStore store() const {
    return CredentialStore({docker_}, {dir_.path() / "empty", bin_});
  }

  // The message of what `f` throws.
  template <typename F>
  static std::string error_of(F f) {
    try {
      f();
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  }

  fs::path bin_ = dir_.path() / "bin";
  fs::path helper_file_ = dir_.path() / "helper.json";
  fs::path helper_log_ = dir_.path() / "helper.log";
};

TEST_F(CredentialHelperTest, CredsStoreServesEveryRegistryInsteadOfTheAuths) {
  hold({{"127.0.0.1:5000", {{"Username", "from-helper"}, {"Secret", "helper-secret"}}}});
  // docker ignores the auths of a registry a helper serves (they keep only an email).
  write_file_atomic(docker_,
                    R"({"credsStore":"gantry-test","auths":{"127.0.0.1:5000":{"auth":"eDp5"}}})");
  auto found = store().find("127.0.0.1:5000");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->username, "from-helper");
  EXPECT_EQ(found->password, "helper-secret");
  // Nothing held is no credentials, not an error.
  EXPECT_FALSE(store().find("127.0.0.1:5001"));
  EXPECT_EQ(read_file(helper_log_), "get 127.0.0.1:5000\nget 127.0.0.1:5001\n");
}

TEST_F(CredentialHelperTest, CredHelpersWinOverCredsStore) {
  hold({{"registry.example", {{"Username", "u"}, {"Secret", "s"}}}});
  write_file_atomic(
      docker_,
      R"({"credsStore":"absent","credHelpers":{"https://registry.example/v2/":"gantry-test"}})");
  EXPECT_EQ(store().find("registry.example")->username, "u");  // the key matches on its host
  // Another registry goes to credsStore, whose program is not there.
  const std::string message = error_of([&] { store().find("other.example:5000"); });
  EXPECT_NE(message.find("`docker-credential-absent`"), std::string::npos) << message;
  EXPECT_NE(message.find("other.example:5000"), std::string::npos) << message;
  EXPECT_NE(message.find("not found in PATH"), std::string::npos) << message;
}

TEST_F(CredentialHelperTest, ATokenUsernameMeansAnIdentityToken) {
  hold({{"https://index.docker.io/v1/", {{"Username", "<token>"}, {"Secret", "refresh-token"}}}});
  write_file_atomic(docker_, R"({"credsStore":"gantry-test"})");
  auto found = store().find("docker.io");  // asked under docker's key for Docker Hub
  ASSERT_TRUE(found);
  EXPECT_EQ(found->identity_token, "refresh-token");
  EXPECT_EQ(found->username, "");
  EXPECT_EQ(found->password, "");
}

TEST_F(CredentialHelperTest, AFileWhoseHelperHoldsNothingPassesToTheNext) {
  fs::create_directories(gantry_.parent_path());
  write_file_atomic(gantry_, R"({"credsStore":"gantry-test"})");
  write_file_atomic(docker_, R"({"auths":{"h:1":{"auth":"Z2FudHJ5OmdhbnRyeS1wYXNz"}}})");
  CredentialStore both({gantry_, docker_}, {bin_});
  EXPECT_EQ(both.find("h:1")->password, "gantry-pass");
}

TEST_F(CredentialHelperTest, SaveAndEraseGoThroughTheHelperAndTheFileNeverHoldsTheSecret) {
  // An earlier login left a password in the file: a login through the helper takes it out.
  write_file_atomic(docker_, R"({"credsStore":"gantry-test","psFormat":"table",
                                 "auths":{"https://h:1/v1/":{"auth":"b2xkOm9sZC1wYXNzd29yZA=="}}})");
  EXPECT_EQ(store().save("h:1", {.username = "me", .password = "new-password"}),
            "credential helper `docker-credential-gantry-test`");
  EXPECT_EQ(held()["h:1"]["Username"], "me");
  EXPECT_EQ(held()["h:1"]["Secret"], "new-password");
  const std::string config = read_file(docker_);
  EXPECT_EQ(nlohmann::json::parse(config)["auths"],
            nlohmann::json({{"h:1", nlohmann::json::object()}}))
      << config;
  EXPECT_EQ(nlohmann::json::parse(config)["psFormat"], "table");
  EXPECT_EQ(config.find("new-password"), std::string::npos);
  EXPECT_EQ(store().find("h:1")->password, "new-password");

  // An identity token is stored under the "<token>" username.
  store().save("docker.io", {.identity_token = "refresh-me"});
  EXPECT_EQ(held()["https://index.docker.io/v1/"]["Username"], "<token>");
  EXPECT_EQ(CredentialHelper("gantry-test", {bin_}).list(),
            (std::map<std::string, std::string>{{"h:1", "me"},
                                                {"https://index.docker.io/v1/", "<token>"}}));

  EXPECT_TRUE(store().erase("h:1"));
  EXPECT_FALSE(held().contains("h:1"));
  EXPECT_FALSE(nlohmann::json::parse(read_file(docker_))["auths"].contains("h:1"));
  EXPECT_FALSE(store().find("h:1"));
  EXPECT_FALSE(store().erase("h:1"));
}

TEST_F(CredentialHelperTest, AFailingHelperNamesItselfAndTheRegistryAndNoSecret) {
  write_helper("locked", "echo 'keychain is locked'; echo 'more detail' >&2; exit 3\n");
  write_file_atomic(docker_, R"({"credsStore":"locked"})");
  std::string message = error_of([&] { store().find("127.0.0.1:5000"); });
  EXPECT_EQ(message,
            "credential helper `docker-credential-locked` for 127.0.0.1:5000: get failed "
            "(exit status 3): keychain is locked");
  // A store failure that echoes its input has the secret cut out.
  write_helper("echoing", "cat; exit 1\n");
  write_file_atomic(docker_, R"({"credsStore":"echoing"})");
  message = error_of(
      [&] { store().save("127.0.0.1:5000", {.username = "me", .password = "pa55-w0rd"}); });
  EXPECT_NE(message.find("`docker-credential-echoing` for 127.0.0.1:5000: store failed"),
            std::string::npos)
      << message;
  EXPECT_EQ(message.find("pa55-w0rd"), std::string::npos) << message;
  EXPECT_EQ(read_file(docker_).find("pa55-w0rd"), std::string::npos);
  // An answer that is not the protocol's JSON is described, never quoted: it holds the secret.
  write_helper("garbled", "echo '{\"Username\":\"me\",\"Secret\":\"pa55-w0rd\"'\n");
  write_file_atomic(docker_, R"({"credsStore":"garbled"})");
  message = error_of([&] { store().find("127.0.0.1:5000"); });
  EXPECT_NE(
      message.find("`docker-credential-garbled` for 127.0.0.1:5000: get answered something other"),
      std::string::npos)
      << message;
  EXPECT_EQ(message.find("pa55-w0rd"), std::string::npos) << message;
}

TEST_F(CredentialHelperTest, AMalformedHelperNameIsAnErrorNamingTheFile) {
  write_file_atomic(docker_, R"({"credHelpers":{"h:1":42}})");
  std::string message = error_of([&] { store().find("h:1"); });
  EXPECT_NE(message.find(docker_.string()), std::string::npos) << message;
  EXPECT_NE(message.find("credHelpers.h:1"), std::string::npos) << message;
  write_file_atomic(docker_, R"({"credsStore":"../bin/docker-credential-gantry-test"})");
  message = error_of([&] { store().find("h:1"); });
  EXPECT_NE(message.find("not a program name"), std::string::npos) << message;
}

}  // namespace gantry::registry

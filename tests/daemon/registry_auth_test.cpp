#include "daemon/registry_auth.h"

#include <gtest/gtest.h>

#include "base/base64.h"
#include "base/error.h"
#include "base/file_util.h"

namespace gantry::daemon {
namespace {

using nlohmann::json;

// base64url, as docker's clients encode X-Registry-Auth.
std::string url_encoded(const json& config) {
  std::string text = base64_encode(config.dump());
  for (char& c : text) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return text;
}

TEST(RegistryAuth, AUserAndPasswordAreTheCredentials) {
  const ClientAuth auth = parse_auth_config(
      {{"username", "u"}, {"password", "p"}, {"serveraddress", "127.0.0.1:5000"}}, "POST /auth");
  EXPECT_EQ(auth.server, "127.0.0.1:5000");
  ASSERT_TRUE(auth.credentials);
  EXPECT_EQ(auth.credentials->username, "u");
  EXPECT_EQ(auth.credentials->password, "p");
}

TEST(RegistryAuth, AnAuthFieldIsDecodedAndAnIdentityTokenKept) {
  const ClientAuth auth =
      parse_auth_config({{"auth", base64_encode("user:pa:ss")}}, "X-Registry-Auth");
  ASSERT_TRUE(auth.credentials);
  EXPECT_EQ(auth.credentials->username, "user");
  EXPECT_EQ(auth.credentials->password, "pa:ss");
  const ClientAuth token = parse_auth_config({{"identitytoken", "tok"}}, "X-Registry-Auth");
  ASSERT_TRUE(token.credentials);
  EXPECT_EQ(token.credentials->identity_token, "tok");
}

TEST(RegistryAuth, AnEmptyConfigHoldsNoCredentials) {
  EXPECT_FALSE(parse_auth_config(json::object(), "X-Registry-Auth").credentials);
  EXPECT_FALSE(parse_registry_auth_header(url_encoded(json::object())).credentials);
}

TEST(RegistryAuth, TheHeaderIsBase64UrlPaddedOrNot) {
  // '>', '?' and '~' in the password make base64's '/', which base64url spells '_'.
  const json config = {{"username", "someone"}, {"password", ">?~>?~>?~>?~"}};
  std::string header = url_encoded(config);
  ASSERT_NE(header.find_first_of("-_"), std::string::npos) << header;
  EXPECT_EQ(parse_registry_auth_header(header).credentials->password, ">?~>?~>?~>?~");
  while (header.ends_with('=')) header.pop_back();
  EXPECT_EQ(parse_registry_auth_header(header).credentials->password, ">?~>?~>?~>?~");
}

TEST(RegistryAuth, MalformedAuthIsAUsageErrorNamingWhatIsWrong) {
  auto message = [](auto f) {
    try {
      f();
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message([] { parse_registry_auth_header("%%%"); }),
            "X-Registry-Auth: not base64url of a JSON object");
  EXPECT_EQ(message([] { parse_auth_config(json::array(), "POST /auth"); }),
            "POST /auth: not a JSON object");
  EXPECT_EQ(message([] {
              parse_auth_config({{"username", 3}}, "POST /auth");
            }),
            "POST /auth: `username` is not a string");
  EXPECT_EQ(message([] {
              parse_auth_config({{"auth", base64_encode("nocolon")}}, "POST /auth");
            }),
            "POST /auth: `auth` is not USER:PASSWORD");
  EXPECT_NE(message([] {
              parse_auth_config({{"registrytoken", "t"}}, "POST /auth");
            }).find("`registrytoken` is not supported"),
            std::string::npos);
}

TEST(RegistryAuth, TheCredentialStoreHoldsTheClientsCredentialsForTheHostAlone) {
  const TempDir dir(std::filesystem::temp_directory_path());
  const ClientAuth auth{.credentials = registry::Credentials{.username = "u", .password = "p"}};
  const auto store = credentials_for(dir.path(), "127.0.0.1:5000", auth);
  const auto found = store.find("127.0.0.1:5000");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->username, "u");
  EXPECT_EQ(found->password, "p");
  EXPECT_FALSE(store.find("127.0.0.1:5001"));
  EXPECT_FALSE(credentials_for(dir.path(), "127.0.0.1:5000", ClientAuth{}).find("127.0.0.1:5000"));
}

}  // namespace
}  // namespace gantry::daemon

#include "registry/auth_challenge.h"

#include <gtest/gtest.h>

namespace gantry::registry {

TEST(AuthChallenge, BearerWithQuotedParameters) {
  auto c = parse_auth_challenge(
      R"(Bearer realm="http://127.0.0.1:5001/token",service="gantry-registry",scope="repository:a/b:pull,push")");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->scheme, AuthChallenge::Scheme::Bearer);
  EXPECT_EQ(c->param("realm"), "http://127.0.0.1:5001/token");
  EXPECT_EQ(c->param("service"), "gantry-registry");
  EXPECT_EQ(c->param("scope"), "repository:a/b:pull,push");  // the comma inside quotes is kept
}

TEST(AuthChallenge, BasicIsCaseInsensitiveAndKeepsEscapes) {
  auto c = parse_auth_challenge(R"(basic Realm="say \"hi\"")");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->scheme, AuthChallenge::Scheme::Basic);
  EXPECT_EQ(c->param("realm"), R"(say "hi")");
}

TEST(AuthChallenge, UnquotedValuesAndMissingParameters) {
  auto c = parse_auth_challenge("Bearer realm=https://auth.example/token, service=reg");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->param("realm"), "https://auth.example/token");
  EXPECT_EQ(c->param("service"), "reg");
  EXPECT_EQ(c->param("scope"), "");
}

TEST(AuthChallenge, OtherSchemesAreNotUnderstood) {
  EXPECT_FALSE(parse_auth_challenge(R"(Negotiate abc)"));
  EXPECT_FALSE(parse_auth_challenge(""));
}

}  // namespace gantry::registry

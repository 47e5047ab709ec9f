#include "base/digest.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace gantry {

TEST(Digest, Sha256OfKnownStrings) {
  EXPECT_EQ(sha256_of("").str(),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_of("abc").hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Digest, IncrementalEqualsOneShot) {
  Sha256 h;
  h.update("a").update("bc");
  EXPECT_EQ(h.finish(), sha256_of("abc"));
}

TEST(Digest, ParseRoundTripsAndRejectsGarbage) {
  auto d = sha256_of("x");
  EXPECT_EQ(Digest::parse(d.str()), d);
  EXPECT_THROW(Digest::parse("md5:abc"), Error);
  EXPECT_THROW(Digest::parse("sha256:ABC"), Error);
  EXPECT_THROW(Digest::from_hex(std::string(64, 'g')), Error);
}

}  // namespace gantry

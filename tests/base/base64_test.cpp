#include "base/base64.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace gantry {

TEST(Base64, RoundTripsWithEveryPadding) {
  EXPECT_EQ(base64_encode("gantry:gantry-pass"), "Z2FudHJ5OmdhbnRyeS1wYXNz");
  for (std::string s : {std::string(""), std::string("a"), std::string("ab"), std::string("abc"),
                        std::string("user:p\xc3\xa4ss"), std::string("\0\xff\n", 3)})
    EXPECT_EQ(base64_decode(base64_encode(s)), s);
  EXPECT_THROW(base64_decode("abc"), Error);
}

}  // namespace gantry

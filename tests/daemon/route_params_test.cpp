#include "daemon/route_params.h"

#include <gtest/gtest.h>

namespace gantry::daemon {
namespace {

TEST(BoolParam, OnlyWhatDockerdReadsAsFalseIsFalse) {
  for (const char* value : {"", "0", "no", "false", "none", "False", "NO", "None"})
    EXPECT_FALSE(bool_param(value)) << value;
  for (const char* value : {"1", "true", "True", "yes", "YES", "on", "2"})
    EXPECT_TRUE(bool_param(value)) << value;
}

}  // namespace
}  // namespace gantry::daemon

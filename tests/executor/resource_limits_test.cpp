#include "executor/resource_limits.h"

#include <gtest/gtest.h>

namespace gantry::executor {
namespace {

TEST(UlimitFault, NamesTheFirstOfDockersRulesAUlimitBreaks) {
  EXPECT_EQ(ulimit_fault({"nofile", 1024, 4096}), std::nullopt);
  EXPECT_EQ(ulimit_fault({"core", -1, -1}), std::nullopt);
  EXPECT_EQ(ulimit_fault({"nofile", 10, -1}), std::nullopt) << "-1 is above every number";
  EXPECT_EQ(ulimit_fault({"files", -5, 1}), UlimitFault::UnknownName);
  EXPECT_EQ(ulimit_fault({"nofile", -2, 10}), UlimitFault::BadValue);
  EXPECT_EQ(ulimit_fault({"nofile", 1, -2}), UlimitFault::BadValue);
  EXPECT_EQ(ulimit_fault({"nofile", 20, 10}), UlimitFault::SoftAboveHard);
  EXPECT_EQ(ulimit_fault({"nofile", -1, 10}), UlimitFault::SoftAboveHard);
}

}  // namespace
}  // namespace gantry::executor

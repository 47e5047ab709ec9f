#include "base/symbolic_mode.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace gantry {

namespace {

std::uint32_t file(const char* text, std::uint32_t mode) { return SymbolicMode::parse(text).apply(mode, false); }
std::uint32_t dir(const char* text, std::uint32_t mode) { return SymbolicMode::parse(text).apply(mode, true); }

TEST(SymbolicModeTest, EachClauseChangesTheFilesOwnMode) {
  EXPECT_EQ(file("u+x", 0644), 0744u);
  EXPECT_EQ(file("+x", 0644), 0755u) << "no class means all of them (umask 0)";
  EXPECT_EQ(file("a-w", 0664), 0444u);
  EXPECT_EQ(file("u+x,g=rx", 0640), 0750u);
  EXPECT_EQ(file("go=", 0755), 0700u);
  EXPECT_EQ(file("u=rw,go=r", 0777), 0644u);
  EXPECT_EQ(file("ug+rw-x", 0711), 0661u) << "several actions in one clause";
  EXPECT_EQ(file("o=u", 0640), 0646u) << "a class copied from another";
  EXPECT_EQ(file("g+u", 0704), 0774u);
}

TEST(SymbolicModeTest, CapitalXIsExecuteForDirectoriesAndAlreadyExecutableFiles) {
  EXPECT_EQ(file("a+X", 0644), 0644u);
  EXPECT_EQ(file("a+X", 0744), 0755u);
  EXPECT_EQ(dir("a+X", 0700), 0711u);
  EXPECT_EQ(file("go+X", 0700), 0711u);
  EXPECT_EQ(file("a-X", 0755), 0644u) << "taken away like x";
  // The condition looks at the mode before the change, not at what `u+x` just did.
  EXPECT_EQ(file("u+x,go+X", 0644), 0744u);
}

TEST(SymbolicModeTest, SpecialBitsFollowTheClassesNamed) {
  EXPECT_EQ(file("u+s", 0755), 04755u);
  EXPECT_EQ(file("g+s", 0755), 02755u);
  EXPECT_EQ(file("+s", 0755), 06755u);
  EXPECT_EQ(file("o+s", 0755), 0755u);
  EXPECT_EQ(dir("+t", 0777), 01777u);
  EXPECT_EQ(dir("o+t", 0777), 0777u);
  EXPECT_EQ(file("u=rwx", 04644), 0744u) << "= clears the class's set-user-ID";
  EXPECT_EQ(dir("a=rwx", 01700), 01777u) << "= keeps the sticky bit unless t is named";
}

TEST(SymbolicModeTest, WhatIsNoSymbolicModeIsAnErrorNamingIt) {
  for (const char* bad : {"", "u", "u+q", "x+u", "u+x,", ",u+x", "u+x g", "755x", "u+rg"}) {
    try {
      SymbolicMode::parse(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("invalid chmod value `" + std::string(bad) + "`"), std::string::npos)
          << e.what();
    }
  }
}

}  // namespace

}  // namespace gantry
